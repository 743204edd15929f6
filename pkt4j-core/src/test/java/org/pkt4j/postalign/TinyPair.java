package org.pkt4j.postalign;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.pkt4j.attribution.SensitivityExample;
import org.pkt4j.io.hf.CheckpointWriter;
import org.pkt4j.io.hf.HfConfig;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.train.CausalLmLoss;

/** Tiny source/target model pairs sharing a vocabulary, written as Hugging Face directories, and seed examples. */
public final class TinyPair {
    private TinyPair() {
    }

    public static final int VOCAB = 48;

    /** A plain config with a chosen tie; d, layers, heads, ffn as given. */
    public static LlamaConfig config(int d, int layers, int heads, int ffn, boolean tied) {
        return config(d, layers, heads, ffn, tied, VOCAB);
    }

    public static LlamaConfig config(int d, int layers, int heads, int ffn, boolean tied, int vocab) {
        LlamaConfig b = RandomLlama.config(d, layers, heads, heads, ffn, vocab);
        return new LlamaConfig(b.modelType(), b.hiddenSize(), b.intermediateSize(), b.numLayers(), b.numHeads(), b.numKvHeads(),
                b.headDim(), b.vocabSize(), b.rmsNormEps(), b.rope(), tied, false, false, false, b.bosTokenId(),
                b.eosTokenIds(), b.maxPositionEmbeddings(), b.slidingWindow(), b.dtype());
    }

    public static LlamaConfig source(boolean tied) {
        return config(32, 3, 4, 64, tied);
    }

    public static LlamaConfig target(boolean tied) {
        return config(24, 2, 4, 40, tied);
    }

    /** Writes a random model of config c in dtype to dir. */
    public static Path write(Path dir, LlamaConfig c, long seed, DType dtype) throws IOException {
        CheckpointWriter.write(dir, HfConfig.withDtype(HfConfig.toJson(c), dtype), RandomLlama.tensors(c, seed, dtype, 0.3), null, null, false);
        return dir;
    }

    /** Seeded examples: BOS-like 1, a prompt, an answer scored with its final id 2 (EOS). */
    public static List<SensitivityExample> seeds(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<SensitivityExample> out = new ArrayList<>();
        for (int e = 0; e < n; e++) {
            int len = 8 + rng.nextInt(6), prompt = 3 + rng.nextInt(3);
            int[] ids = new int[len];
            int[] labels = new int[len];
            ids[0] = 1;
            for (int t = 1; t < len; t++) {
                ids[t] = t == len - 1 ? 2 : 7 + rng.nextInt(VOCAB - 7);
            }
            for (int t = 0; t < len; t++) {
                labels[t] = t < prompt ? CausalLmLoss.IGNORE : ids[t];
            }
            out.add(new SensitivityExample("s" + e, ids, labels));
        }
        return out;
    }

    /** The same examples as pre-tokenized JSONL lines. */
    public static String jsonl(List<SensitivityExample> examples) {
        StringBuilder sb = new StringBuilder();
        for (SensitivityExample e : examples) {
            sb.append("{\"input_ids\": ").append(java.util.Arrays.toString(e.ids())).append(", \"labels\": ")
                    .append(java.util.Arrays.toString(e.labels())).append("}\n");
        }
        return sb.toString();
    }
}
