package org.pkt4j.attribution;

import java.util.Locale;

/** How the readout scales the vector before the LM head (PKT-SPEC §2). */
public enum ReadoutCompat {
    /**
     * The reference: {@code s = 1/sqrt(sigma + 1e-6)} with {@code sigma = sqrt(var(h_{L-1}) + 1e-5)}, the
     * biased variance (mean subtracted) of the final layer output at the last position. The square root of
     * a standard deviation, not the RMSNorm factor; kept for fidelity.
     */
    REFERENCE("reference"),
    /** The true final RMSNorm factor {@code s = 1/sqrt(mean(h_{L-1}²) + rms_norm_eps)}. */
    EXACT_RMSNORM("exact-rmsnorm");

    private final String cliName;

    ReadoutCompat(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** Parses {@code reference} / {@code exact-rmsnorm}; null when unknown. */
    public static ReadoutCompat parse(String s) {
        String n = s.strip().toLowerCase(Locale.ROOT);
        for (ReadoutCompat c : values()) {
            if (c.cliName.equals(n)) {
                return c;
            }
        }
        return null;
    }
}
