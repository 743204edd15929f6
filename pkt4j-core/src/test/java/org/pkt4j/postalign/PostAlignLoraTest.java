package org.pkt4j.postalign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pkt4j.testing.Close.assertClose;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkt4j.attribution.GradientSensitivity;
import org.pkt4j.attribution.Sensitivity;
import org.pkt4j.attribution.SensitivityExample;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.ForwardTrace;
import org.pkt4j.llama.Gradients;
import org.pkt4j.llama.KvCache;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaBackward;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.testing.Fixtures;
import org.pkt4j.train.Param;
import org.pkt4j.train.lora.Lora;

/**
 * The Post-Align starting model (LoRA (B₀, A₀) beside a frozen −B₀A₀) equals the target; its gradients equal those
 * of a plain LoRA on a base whose weights really are W − B₀A₀; and the merged checkpoint reproduces the adapted model.
 */
class PostAlignLoraTest {
    static final ExecutionContext CTX = ExecutionContext.of(2);

    static PostAlignPlan plan(Llama source, Llama target, int rank, boolean embeddings) {
        Sensitivity s = new GradientSensitivity(source, CTX, n -> true).compute(TinyPair.seeds(3, 1), GradientSensitivity.Progress.NONE);
        return PostAlignPlan.build(source, target.config(), s, new PostAlignPlan.Options(rank, embeddings, 0), CTX, w -> { });
    }

    static float[] logits(Llama m, Adapters a, int[] ids) {
        return new LlamaForward(m, CTX).forward(ids, new KvCache(m.config(), ids.length), a, ForwardTrace.NONE, null, null);
    }

    static void assertSameLogits(String what, float[] got, float[] want, double rel) {
        double scale = Math.max(1, org.pkt4j.testing.Close.maxAbs(want));
        assertClose(what, got, want, 0, rel * scale);
    }

    /** The fixture pair with the reference's rank-4 factors: the starting model's logits are the target's within 1e-5. */
    @Test
    void startingModelEqualsTheTarget() throws IOException {
        SafetensorsFile exp = Fixtures.expected("pkt_pair");
        Llama source = Llama.open(Fixtures.fixture("pkt_pair").resolve("source"));
        Llama target = Llama.open(Fixtures.fixture("pkt_pair").resolve("target"));
        List<SensitivityExample> seeds = List.of(
                new SensitivityExample("0", Fixtures.tensor(exp, "pa.0.input_ids").toIntArray(), Fixtures.tensor(exp, "pa.0.labels").toIntArray()),
                new SensitivityExample("1", Fixtures.tensor(exp, "pa.1.input_ids").toIntArray(), Fixtures.tensor(exp, "pa.1.labels").toIntArray()));
        Sensitivity s = new GradientSensitivity(source, CTX, n -> true).compute(seeds, GradientSensitivity.Progress.NONE);
        PostAlignPlan plan = PostAlignPlan.build(source, target.config(), s, new PostAlignPlan.Options(4, true, 0), CTX, w -> { });
        PostAlignLora pa = PostAlignLora.start(target, plan.loraConfig(0.05), plan.loraWeights());
        // the LoRA alone does change the model: the cancellation is what makes it equal
        float[] want = logits(target, Adapters.NONE, seeds.get(0).ids());
        float[] loraOnly = logits(target, pa.lora().adapters(), seeds.get(0).ids());
        assertThat(maxDiff(loraOnly, want)).isGreaterThan(1e-2);
        // max |logit| is ~14 here; measured max |diff| 4e-6
        assertClose("start vs target", logits(target, pa.adapters(), seeds.get(0).ids()), want, 0, 1e-5);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void startingModelEqualsATiedOrUntiedTarget(boolean tied, @TempDir Path dir) throws IOException {
        Llama source = Llama.open(TinyPair.write(dir.resolve("s"), TinyPair.source(tied), 1, DType.F32));
        Llama target = Llama.open(TinyPair.write(dir.resolve("t"), TinyPair.target(tied), 2, DType.BF16));
        PostAlignLora pa = PostAlignLora.start(target, plan(source, target, 3, true).loraConfig(0.05), plan(source, target, 3, true).loraWeights());
        int[] ids = TinyPair.seeds(1, 9).getFirst().ids();
        assertSameLogits("start vs target", logits(target, pa.adapters(), ids), logits(target, Adapters.NONE, ids), 1e-5);
    }

    /**
     * Gradients of the LoRA at the start equal those of a plain LoRA (B₀, A₀) on a model whose base weights were
     * materialised as W − B₀A₀ (test-only fp32 copies): the frozen branch's forward and input gradient are right.
     */
    @Test
    void gradientsMatchAMaterialisedDeltaBase() {
        Llama source = org.pkt4j.llama.RandomLlama.create(TinyPair.source(false), 1, DType.F32, 0.3);
        Llama target = org.pkt4j.llama.RandomLlama.create(TinyPair.target(false), 2, DType.F32, 0.3);
        PostAlignPlan plan = plan(source, target, 3, true);
        PostAlignLora pa = PostAlignLora.start(target, plan.loraConfig(0), plan.loraWeights());
        Map<String, Tensor> shifted = new LinkedHashMap<>(target.tensors());
        for (PostAlignPlan.Window w : plan.windows()) {
            String name = w.targetPath() + ".weight";
            float[] ba = w.factors().product();
            float[] base = target.tensors().get(name).toFloatArray();
            int rows = target.tensors().get(name).rows(), cols = target.tensors().get(name).cols();
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    // the embedding's B·A is [d, V], the transpose of the [V, d] matrix
                    base[i * cols + j] -= w.module() == Module.EMBED ? ba[j * rows + i] : ba[i * cols + j];
                }
            }
            shifted.put(name, Tensor.ofFloats(name, base, rows, cols));
        }
        Llama materialised = Llama.of(target.config(), shifted);
        Lora ref = Lora.withWeights(materialised, plan.loraConfig(0), plan.loraWeights());
        SensitivityExample ex = TinyPair.seeds(1, 4).getFirst();
        new LlamaBackward(new LlamaForward(target, CTX), 16).lossAndBackward(ex.ids(), ex.labels(), pa.adapters(), Gradients.none(target), 1);
        new LlamaBackward(new LlamaForward(materialised, CTX), 16).lossAndBackward(ex.ids(), ex.labels(), ref.adapters(),
                Gradients.none(materialised), 1);
        assertThat(pa.params()).hasSize(ref.params().size());
        for (int i = 0; i < ref.params().size(); i++) {
            Param want = ref.params().get(i), got = pa.params().get(i);
            assertThat(got.name()).isEqualTo(want.name());
            assertClose(got.name() + " gradient", got.grad(), want.grad(), 1e-4, 1e-7);
        }
    }

    /** After (simulated) training, the merged checkpoint reproduces the adapted model; a tied target is untied. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void mergedCheckpointReproducesTheAdaptedModel(boolean tied, @TempDir Path dir) throws IOException {
        Llama source = Llama.open(TinyPair.write(dir.resolve("s"), TinyPair.source(tied), 1, DType.F32));
        Llama target = Llama.open(TinyPair.write(dir.resolve("t"), TinyPair.target(tied), 2, DType.F32));
        PostAlignPlan plan = plan(source, target, 3, true);
        PostAlignLora pa = PostAlignLora.start(target, plan.loraConfig(0.05), plan.loraWeights());
        SplittableRandom rng = new SplittableRandom(3);
        for (Param p : pa.params()) {
            for (int i = 0; i < p.value().length; i++) {
                p.value()[i] += (float) (0.05 * org.pkt4j.llama.RandomLlama.gaussian(rng));
            }
        }
        pa.writeMerged(dir.resolve("merged"), false, CTX);
        Llama merged = Llama.open(dir.resolve("merged"));
        assertThat(merged.config().tieWordEmbeddings()).isFalse();
        assertThat(merged.tensors().keySet()).containsAll(target.tensors().keySet()).contains("lm_head.weight");
        assertThat(merged.tensors().get("model.norm.weight").toFloatArray()).containsExactly(target.norm().toFloatArray());
        int[] ids = TinyPair.seeds(1, 9).getFirst().ids();
        float[] adapted = logits(target, pa.adapters(), ids);
        assertThat(maxDiff(adapted, logits(target, Adapters.NONE, ids))).isGreaterThan(1e-2);
        assertSameLogits("merged vs adapted", logits(merged, Adapters.NONE, ids), adapted, 1e-5);
    }

    /** A sharded F16 target (grouped-query attention) is merged into the same shards, names and dtype. */
    @Test
    void mergeKeepsAShardedTargetsLayout(@TempDir Path dir) throws IOException {
        Llama target = Llama.open(Fixtures.fixture("sharded_f16").resolve("model"));
        Llama source = org.pkt4j.llama.RandomLlama.create(org.pkt4j.llama.RandomLlama.config(96, 3, 8, 8, 192, 112), 5, DType.F32, 0.3);
        Sensitivity s = new GradientSensitivity(source, CTX, n -> true).compute(List.of(new SensitivityExample("x",
                new int[] {1, 40, 41, 42, 43, 44, 2}, new int[] {-100, -100, -100, 42, 43, 44, 2})), GradientSensitivity.Progress.NONE);
        PostAlignPlan plan = PostAlignPlan.build(source, target.config(), s, new PostAlignPlan.Options(4, true, 0), CTX, w -> { });
        PostAlignLora pa = PostAlignLora.start(target, plan.loraConfig(0.05), plan.loraWeights());
        for (Param p : pa.params()) {
            java.util.Arrays.fill(p.value(), 0.01f);
        }
        pa.writeMerged(dir.resolve("m"), false, CTX);
        org.pkt4j.io.hf.Checkpoint merged = org.pkt4j.io.hf.Checkpoint.open(dir.resolve("m"));
        assertThat(merged.shardOf()).isEqualTo(target.checkpoint().shardOf());
        for (Map.Entry<String, Tensor> e : target.tensors().entrySet()) {
            Tensor m = merged.tensors().get(e.getKey());
            assertThat(m.dtype()).isEqualTo(DType.F16);
            assertThat(m.shape()).containsExactly(e.getValue().shape());
        }
        float[] want = pa.merged("model.layers.1.self_attn.k_proj.weight", CTX);
        float[] got = merged.tensors().get("model.layers.1.self_attn.k_proj.weight").toFloatArray();
        for (int i = 0; i < want.length; i++) {
            assertThat(got[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(want[i])));
        }
        assertThat(merged.configJson()).isEqualTo(target.checkpoint().configJson());
    }

    /** Merging untrained factors gives back the target's weights (the two products cancel in one matmul). */
    @Test
    void mergingTheStartGivesTheTarget() {
        Llama source = org.pkt4j.llama.RandomLlama.create(TinyPair.source(false), 1, DType.F32, 0.3);
        Llama target = org.pkt4j.llama.RandomLlama.create(TinyPair.target(false), 2, DType.F32, 0.3);
        PostAlignLora pa = PostAlignLora.start(target, plan(source, target, 3, true).loraConfig(0), plan(source, target, 3, true).loraWeights());
        assertThat(pa.mergedNames()).hasSize(2 + 7 * 2);
        for (String name : pa.mergedNames()) {
            assertClose(name, pa.merged(name, CTX), target.tensors().get(name).toFloatArray(), 1e-6, 0);
        }
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
