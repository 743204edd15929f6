package org.pkt4j.attribution;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.Module;

/**
 * The resolved options of a locate run (written into located.json).
 *
 * @param rate      the transfer rate, in (0, 1]
 * @param layers    n, the layers kept for attention and for FFN (the TARGET's layer count, for both models)
 * @param ffnCount  FFN neurons per kept layer: floor(f_t · rate), the same for source and target
 * @param attnCount attention neurons per kept layer: floor(d_t · rate), the same for source and target
 * @param compat    the readout's scale
 * @param mode      exact or the first-order linearisation
 * @param modules   the modules a transfer extracts (a subset of up, down, v, o)
 * @param seed      the seed of any random draw made for this run (e.g. which example); recorded for reports
 */
public record LocateOptions(double rate, int layers, int ffnCount, int attnCount, ReadoutCompat compat,
                            AttributionMode mode, List<Module> modules, long seed) {

    private static final Set<Module> EXTRACTABLE = EnumSet.of(Module.UP, Module.DOWN, Module.V, Module.O);

    public LocateOptions {
        checkRate(rate);
        if (layers < 1) {
            throw new IllegalArgumentException("--layers: expected at least 1, got " + layers);
        }
        if (ffnCount < 1 || attnCount < 1) {
            throw new IllegalArgumentException("--rate " + rate + " selects " + ffnCount + " FFN and " + attnCount
                    + " attention neurons per layer; each count must be at least 1 (raise the rate)");
        }
        if (modules.isEmpty()) {
            throw new IllegalArgumentException("--modules: expected at least one of up, down, v, o");
        }
        for (Module m : modules) {
            if (!EXTRACTABLE.contains(m)) {
                throw new IllegalArgumentException("--modules: " + m.shortName() + " is not extracted (expected up, down, v or o)");
            }
        }
        modules = List.copyOf(new ArrayList<>(EnumSet.copyOf(modules)));
    }

    /**
     * Options sized for a transfer into {@code target}: n = L_t, counts floor(f_t·rate) and floor(d_t·rate).
     * {@code modules} null means the default for the pair ({@link #defaultModules}).
     */
    public static LocateOptions forTarget(LlamaConfig target, double rate, ReadoutCompat compat, AttributionMode mode,
                                          List<Module> modules, long seed, LlamaConfig... models) {
        checkRate(rate);
        int f = Selection.count(target.intermediateSize(), rate), a = Selection.count(target.hiddenSize(), rate);
        if (f < 1 || a < 1) {
            throw new IllegalArgumentException("--rate " + rate + " selects floor(" + target.intermediateSize() + " × " + rate + ") = " + f
                    + " FFN and floor(" + target.hiddenSize() + " × " + rate + ") = " + a
                    + " attention neurons per layer; each count must be at least 1 (raise the rate)");
        }
        List<Module> mods = modules != null ? modules : defaultModules(concat(target, models));
        return new LocateOptions(rate, target.numLayers(), f, a, compat, mode, mods, seed);
    }

    /** The same options with another layer count n. */
    public LocateOptions withLayers(int n) {
        return new LocateOptions(rate, n, ffnCount, attnCount, compat, mode, modules, seed);
    }

    /**
     * up, down, v, o for multi-head attention; up, down, o when any model uses grouped-query attention
     * (its v rows do not correspond to attention neurons; the reference's own choice for Qwen2).
     */
    public static List<Module> defaultModules(LlamaConfig... models) {
        for (LlamaConfig m : models) {
            if (m.numKvHeads() < m.numHeads()) {
                return List.of(Module.UP, Module.DOWN, Module.O);
            }
        }
        return List.of(Module.UP, Module.DOWN, Module.V, Module.O);
    }

    /** Checks that a model can be located with these options, naming what does not fit. */
    public void checkModel(LlamaConfig model, String what) {
        if (layers > model.numLayers()) {
            throw new IllegalArgumentException("--layers: " + layers + " layers asked but the " + what + " has "
                    + model.numLayers());
        }
        if (ffnCount > model.intermediateSize()) {
            throw new IllegalArgumentException(ffnCount + " FFN neurons per layer asked but the " + what + " has "
                    + model.intermediateSize());
        }
        if (attnCount > model.qDim()) {
            throw new IllegalArgumentException(attnCount + " attention neurons per layer asked but the " + what + " has "
                    + model.qDim());
        }
        if (modules.contains(Module.V) && model.numKvHeads() < model.numHeads()) {
            throw new IllegalArgumentException("--modules v: the " + what + " uses grouped-query attention ("
                    + model.numKvHeads() + " kv heads < " + model.numHeads() + " heads), so v_proj rows do not correspond "
                    + "to attention neurons; use up,down,o");
        }
    }

    /** The module names as on the command line (up_proj, ...). */
    public List<String> moduleNames() {
        return modules.stream().map(Module::shortName).toList();
    }

    private static void checkRate(double rate) {
        if (!(rate > 0 && rate <= 1)) {
            throw new IllegalArgumentException("--rate: expected a transfer rate in (0, 1], got " + rate);
        }
    }

    private static LlamaConfig[] concat(LlamaConfig first, LlamaConfig[] rest) {
        LlamaConfig[] all = new LlamaConfig[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
