package org.pkt4j.attribution;

import java.util.Locale;

/** How neuron scores {@code R(base + v) - R(base)} are computed (layer scores are always exact). */
public enum AttributionMode {
    /** Every neuron's full vocabulary projection and log-softmax, batched as matrix products. */
    EXACT("exact", "exact log-probability increase"),
    /**
     * The first-order linearisation {@code R(base + v) - R(base) ≈ ∇R(base)·v}: one gradient vector per layer,
     * then one dot product per neuron. An approximation, labelled as such wherever it is reported.
     */
    FAST("fast", "first-order linearisation of the log-probability increase (approximate)");

    private final String cliName;
    private final String description;

    AttributionMode(String cliName, String description) {
        this.cliName = cliName;
        this.description = description;
    }

    public String cliName() {
        return cliName;
    }

    /** What the scores are, for reports and located.json. */
    public String description() {
        return description;
    }

    /** Parses {@code exact} / {@code fast}; null when unknown. */
    public static AttributionMode parse(String s) {
        String n = s.strip().toLowerCase(Locale.ROOT);
        for (AttributionMode m : values()) {
            if (m.cliName.equals(n)) {
                return m;
            }
        }
        return null;
    }
}
