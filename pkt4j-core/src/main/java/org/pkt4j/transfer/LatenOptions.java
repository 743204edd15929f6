package org.pkt4j.transfer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.attribution.AttributionMode;
import org.pkt4j.attribution.ReadoutCompat;
import org.pkt4j.data.TokenizedExample;
import org.pkt4j.llama.Module;

/**
 * The resolved options of {@code pkt laten train} (written into the run's manifest, compared on resume).
 *
 * @param lr            the one-cycle schedule's max lr (reference: 3e-5 in its README, 3e-4 in its script)
 * @param rate          the transfer rate: floor(f_t·rate) FFN and floor(d_t·rate) attention neurons per kept layer
 * @param seed          the hypernetwork's initialisation (N(0, 1e-5²) from this seed)
 * @param cutoff        maximum sequence length; longer sequences are truncated (never padded)
 * @param trainOnInputs score the prompt tokens too
 * @param compat        reference: the reference's readout scale and its label mask (prompt + 1);
 *                      exact-rmsnorm: the true RMSNorm readout and the exact prompt mask
 * @param attribution   exact or fast (first-order) neuron scores
 * @param modules       the modules transferred, or null for the pair's default (up, down, v, o; up, down, o with GQA)
 * @param steps         use the first {@code steps} extract examples (one step each), or null for all
 * @param alignPerStep  align examples drawn per step (the reference: 15, plus the extract example)
 */
public record LatenOptions(double lr, double rate, long seed, int cutoff, boolean trainOnInputs, ReadoutCompat compat,
                           AttributionMode attribution, List<Module> modules, Integer steps, int alignPerStep) {

    /** The initialisation scale of every hypernetwork weight. */
    public static final double INIT_STD = 1e-5;

    public LatenOptions {
        if (!(lr > 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException("--lr: expected a positive number, got " + lr);
        }
        if (!(rate > 0 && rate <= 1)) {
            throw new IllegalArgumentException("--rate: expected a transfer rate in (0, 1], got " + rate);
        }
        if (cutoff < 2) {
            throw new IllegalArgumentException("--cutoff: expected at least 2 tokens, got " + cutoff);
        }
        if (steps != null && steps < 1) {
            throw new IllegalArgumentException("--steps: expected at least 1, got " + steps);
        }
        if (alignPerStep < 0) {
            throw new IllegalArgumentException("align examples per step must be >= 0, got " + alignPerStep);
        }
        modules = modules == null ? null : List.copyOf(modules);
    }

    /** The reference's settings: lr 3e-4, rate 0.1, seed 42, cutoff 768, reference compat, exact scores, all steps. */
    public static LatenOptions defaults() {
        return new LatenOptions(3e-4, 0.1, 42, 768, false, ReadoutCompat.REFERENCE, AttributionMode.EXACT, null, null, 15);
    }

    public LatenOptions withSteps(Integer n) {
        return new LatenOptions(lr, rate, seed, cutoff, trainOnInputs, compat, attribution, modules, n, alignPerStep);
    }

    public LatenOptions withLr(double maxLr) {
        return new LatenOptions(maxLr, rate, seed, cutoff, trainOnInputs, compat, attribution, modules, steps, alignPerStep);
    }

    public LatenOptions withRate(double r) {
        return new LatenOptions(lr, r, seed, cutoff, trainOnInputs, compat, attribution, modules, steps, alignPerStep);
    }

    public LatenOptions withSeed(long s) {
        return new LatenOptions(lr, rate, s, cutoff, trainOnInputs, compat, attribution, modules, steps, alignPerStep);
    }

    public LatenOptions withTrainOnInputs(boolean on) {
        return new LatenOptions(lr, rate, seed, cutoff, on, compat, attribution, modules, steps, alignPerStep);
    }

    /** The label mask that goes with the compat mode. */
    public TokenizedExample.Compat labels() {
        return compat == ReadoutCompat.REFERENCE ? TokenizedExample.Compat.REFERENCE : TokenizedExample.Compat.EXACT;
    }

    /** The resolved options as the manifest records them, keyed by their command-line flag. */
    public Map<String, Object> toJson(List<Module> resolvedModules, int resolvedSteps) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("--lr", lr);
        m.put("--rate", rate);
        m.put("--seed", seed);
        m.put("--cutoff", cutoff);
        m.put("--train-on-inputs", trainOnInputs);
        m.put("--compat", compat.cliName());
        m.put("--attribution", attribution.cliName());
        m.put("--modules", resolvedModules.stream().map(Module::shortName).toList());
        m.put("--steps", resolvedSteps);
        m.put("align_per_step", alignPerStep);
        return m;
    }
}
