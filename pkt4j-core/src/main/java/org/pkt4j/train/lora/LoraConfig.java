package org.pkt4j.train.lora;

import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Set;
import org.pkt4j.llama.Module;

/**
 * A LoRA configuration in PEFT's terms: {@code W_eff = W + s·B·A} with A [r, in], B [out, r] and scaling
 * {@code s = alpha / r} ({@code alpha / sqrt(r)} with rsLoRA); dropout applies to the adapter's input only.
 *
 * @param rank    r
 * @param alpha   lora_alpha
 * @param dropout lora_dropout, in [0, 1)
 * @param targets the modules that get an adapter in every layer (q, k, v, o, gate, up, down, embed_tokens, lm_head)
 * @param rslora  PEFT's use_rslora (scaling alpha / sqrt(r))
 */
public record LoraConfig(int rank, double alpha, double dropout, Set<Module> targets, boolean rslora) {

    public LoraConfig {
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank must be >= 1, got " + rank);
        }
        if (!(alpha > 0)) {
            throw new IllegalArgumentException("LoRA alpha must be > 0, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("LoRA dropout must lie in [0, 1), got " + dropout);
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("LoRA needs at least one target module");
        }
        targets = Set.copyOf(EnumSet.copyOf(targets));
    }

    public static LoraConfig of(int rank, double alpha, double dropout, Collection<Module> targets) {
        return new LoraConfig(rank, alpha, dropout, EnumSet.copyOf(targets), false);
    }

    /** The scaling s applied to B·A. */
    public double scaling() {
        return rslora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    /** The PEFT target_modules names in a fixed order (q_proj, v_proj, embed_tokens, ...). */
    public Set<String> targetNames() {
        Set<String> out = new LinkedHashSet<>();
        for (Module m : Module.values()) {
            if (targets.contains(m)) {
                out.add(m.shortName());
            }
        }
        return out;
    }

    /**
     * Parses a comma-separated target list ({@code q,v}, {@code q_proj,up_proj}, {@code embed_tokens,lm_head},
     * or {@code all} for every linear module of the layers).
     */
    public static Set<Module> parseTargets(String csv) {
        Set<Module> out = EnumSet.noneOf(Module.class);
        for (String s : csv.split(",")) {
            if (s.isBlank()) {
                continue;
            }
            if (s.strip().equalsIgnoreCase("all")) {
                out.addAll(EnumSet.of(Module.Q, Module.K, Module.V, Module.O, Module.GATE, Module.UP, Module.DOWN));
                continue;
            }
            Module m = Module.parse(s);
            if (m == null) {
                throw new IllegalArgumentException("unknown LoRA target module '" + s.strip()
                        + "' (expected q, k, v, o, gate, up, down, embed_tokens, lm_head or all)");
            }
            out.add(m);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no LoRA target module in '" + csv + "'");
        }
        return out;
    }
}
