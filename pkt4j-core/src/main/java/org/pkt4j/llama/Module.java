package org.pkt4j.llama;

import java.util.Locale;

/**
 * The weight matrices of a Llama model that transfer methods address, with their Hugging Face names.
 * Linear modules are {@code [out, in]}: Q [H*hd, d], K/V [KV*hd, d], O [d, H*hd], GATE/UP [f, d],
 * DOWN [d, f]; EMBED is {@code [V, d]} (a lookup) and LM_HEAD {@code [V, d]}.
 */
public enum Module {
    Q("self_attn.q_proj"),
    K("self_attn.k_proj"),
    V("self_attn.v_proj"),
    O("self_attn.o_proj"),
    GATE("mlp.gate_proj"),
    UP("mlp.up_proj"),
    DOWN("mlp.down_proj"),
    EMBED("model.embed_tokens"),
    LM_HEAD("lm_head");

    private final String path;

    Module(String path) {
        this.path = path;
    }

    /** True for the per-layer linear projections (everything but EMBED and LM_HEAD). */
    public boolean perLayer() {
        return this != EMBED && this != LM_HEAD;
    }

    /** The module path without ".weight": {@code model.layers.3.mlp.up_proj}, {@code lm_head}. */
    public String path(int layer) {
        return perLayer() ? "model.layers." + layer + "." + path : path;
    }

    public String weightName(int layer) {
        return path(layer) + ".weight";
    }

    public String biasName(int layer) {
        return path(layer) + ".bias";
    }

    /** The short name used on the command line and in PEFT target_modules: q_proj, up_proj, embed_tokens, lm_head. */
    public String shortName() {
        return switch (this) {
            case EMBED -> "embed_tokens";
            case LM_HEAD -> "lm_head";
            default -> path.substring(path.indexOf('.') + 1);
        };
    }

    /** Parses q, q_proj, up, up_proj, embed_tokens, lm_head (case-insensitive); null when unknown. */
    public static Module parse(String s) {
        String n = s.trim().toLowerCase(Locale.ROOT);
        for (Module m : values()) {
            String sn = m.shortName();
            if (n.equals(sn) || (sn.endsWith("_proj") && n.equals(sn.substring(0, sn.length() - 5)))) {
                return m;
            }
        }
        return switch (n) {
            case "embed", "embedding" -> EMBED;
            default -> null;
        };
    }
}
