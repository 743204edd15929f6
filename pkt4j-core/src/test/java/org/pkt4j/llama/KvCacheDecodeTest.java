package org.pkt4j.llama;

import static org.pkt4j.testing.Close.assertClose;

import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.testing.Close;
import org.pkt4j.testing.Fixtures;

/**
 * Incremental decoding through the KV cache equals the full-sequence prefill at every position, over 200+
 * positions (the Hugging Face q/k permutation bug only shows after ~20) on GQA models: random weights in
 * F32 and BF16, and the llama3_rope fixture (MQA, llama3 RoPE scaling, 200 positions) against its expected
 * logits as well.
 */
class KvCacheDecodeTest {

    private static final double REL = 2e-5;

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void decodeEqualsPrefillOnRandomGqa(DType dtype) {
        // d 64, 2 layers, 8 query heads over 2 kv heads (GQA 4:1), head_dim 8; scale 0.15 so attention is peaked
        LlamaConfig c = RandomLlama.config(64, 2, 8, 2, 96, 128);
        Llama model = RandomLlama.create(c, 31, dtype, 0.15);
        int T = 230;
        int[] ids = new SplittableRandom(5).ints(T, 0, c.vocabSize()).toArray();
        LlamaForward fwd = new LlamaForward(model, ExecutionContext.of(2));
        float[] full = fwd.logits(ids);

        // one token at a time
        float[] stepwise = decode(fwd, ids, 1, 1);
        assertClose(dtype + " token-by-token decode", stepwise, full, 0, REL * Math.max(1, Close.maxAbs(full)));
        // a 37-token prefill, then chunks of 5 (positions continue from the cache)
        float[] chunked = decode(fwd, ids, 37, 5);
        assertClose(dtype + " chunked decode", chunked, full, 0, REL * Math.max(1, Close.maxAbs(full)));
    }

    /**
     * Generation's decode steps share one workspace (logits included): every step's logits still equal the
     * prefill's at that position, the token and step listeners see the same ids, and logits handed to a step
     * listener are its own (a later step does not overwrite them).
     */
    @Test
    void generationWithAReusedWorkspaceEqualsPrefill() {
        LlamaConfig c = RandomLlama.config(64, 2, 8, 2, 96, 128);
        Llama model = RandomLlama.create(c, 32, DType.F32, 0.15);
        LlamaForward fwd = new LlamaForward(model, ExecutionContext.of(2));
        int[] prompt = {5, 17, 99};
        java.util.List<float[]> steps = new java.util.ArrayList<>();
        int[] out = new Generator(fwd).generate(prompt, 40, Sampler.greedy(), false, (Generator.StepListener) (id, logits) -> steps.add(logits));
        int[] viaTokens = new Generator(fwd).generate(prompt, 40, Sampler.greedy(), false, id -> { });
        org.junit.jupiter.api.Assertions.assertArrayEquals(out, viaTokens);
        int[] seq = Arrays.copyOf(prompt, prompt.length + out.length);
        System.arraycopy(out, 0, seq, prompt.length, out.length);
        float[] full = fwd.logits(Arrays.copyOf(seq, seq.length - 1));
        int V = c.vocabSize();
        for (int i = 0; i < out.length; i++) {
            float[] want = Arrays.copyOfRange(full, (prompt.length - 1 + i) * V, (prompt.length + i) * V);
            assertClose("step " + i, steps.get(i), want, 0, REL * Math.max(1, Close.maxAbs(want)));
        }
    }

    @Test
    void decodeMatchesTheLlama3RopeFixture() throws IOException {
        SafetensorsFile exp = Fixtures.expected("llama3_rope");
        Llama model = Llama.open(Fixtures.fixture("llama3_rope").resolve("model"));
        int[] ids = Fixtures.tensor(exp, "input_ids").toIntArray();
        float[] expected = Fixtures.tensor(exp, "logits").toFloatArray();
        LlamaForward fwd = new LlamaForward(model, ExecutionContext.of(2));
        float[] stepwise = decode(fwd, ids, 1, 1);
        double tol = REL * Math.max(1, Close.maxAbs(expected));
        assertClose("llama3_rope decode vs expected", stepwise, expected, 0, tol);
        assertClose("llama3_rope decode vs prefill", stepwise, fwd.logits(ids), 0, tol);
    }

    /** Logits [T, V] from a prefill of {@code first} tokens, then chunks of {@code chunk} through one cache. */
    private static float[] decode(LlamaForward fwd, int[] ids, int first, int chunk) {
        LlamaConfig c = fwd.model().config();
        int V = c.vocabSize();
        KvCache cache = new KvCache(c, ids.length);
        float[] out = new float[ids.length * V];
        for (int t = 0; t < ids.length; ) {
            int n = Math.min(t == 0 ? first : chunk, ids.length - t);
            float[] logits = fwd.forward(Arrays.copyOfRange(ids, t, t + n), cache, Adapters.NONE, ForwardTrace.NONE, null, null);
            System.arraycopy(logits, 0, out, t * V, n * V);
            t += n;
        }
        return out;
    }
}
