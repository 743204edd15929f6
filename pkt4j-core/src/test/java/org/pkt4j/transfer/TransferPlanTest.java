package org.pkt4j.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.attribution.AttributionMode;
import org.pkt4j.attribution.LocateExample;
import org.pkt4j.attribution.LocateOptions;
import org.pkt4j.attribution.LocateProgress;
import org.pkt4j.attribution.Located;
import org.pkt4j.attribution.Locator;
import org.pkt4j.attribution.ReadoutCompat;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.Module;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;

/** Pairing, extraction against the weights themselves, save/load round trip, and refusals. */
class TransferPlanTest {
    private static final ExecutionContext CTX = ExecutionContext.of(2);
    private static final LocateExample EXAMPLE = new LocateExample("e", new int[] {3, 9, 14, 2, 7}, 11);

    static Llama model(int d, int layers, int heads, int kv, int f, int vocab, long seed, DType dtype) {
        return RandomLlama.create(RandomLlama.config(d, layers, heads, kv, f, vocab), seed, dtype, 0.3);
    }

    @Test
    void knowledgeHoldsTheSelectedRowsAndColumnsAndRoundTrips(@TempDir Path dir) throws IOException {
        Llama source = model(32, 3, 4, 4, 48, 61, 1, DType.BF16);
        Llama target = model(24, 2, 4, 4, 40, 61, 2, DType.F32);
        LocateOptions opts = LocateOptions.forTarget(target.config(), 0.3, ReadoutCompat.REFERENCE, AttributionMode.EXACT,
                null, 5, source.config());
        Located s = Locator.locate(source, List.of(EXAMPLE), opts, CTX, LocateProgress.NONE);
        Located t = Locator.locate(target, List.of(EXAMPLE), opts, CTX, LocateProgress.NONE);
        TransferPlan plan = TransferPlan.build(source, s, t, opts.modules());
        assertEquals(2, plan.layerPairs());
        for (Module m : plan.modules()) {
            for (TransferPlan.Slot slot : plan.slots(m)) {
                Tensor w = source.weight(slot.sourceLayer(), m);
                Tensor block = plan.knowledgeBlock(m, slot.index());
                int n = slot.sourceNeurons().length, d = 32;
                assertEquals(m == Module.UP || m == Module.V ? List.of(n, d) : List.of(d, n), List.of(block.dim(0), block.dim(1)));
                for (int i = 0; i < n; i++) {
                    int k = slot.sourceNeurons()[i];
                    for (int r = 0; r < d; r++) {
                        float want = m == Module.UP || m == Module.V ? w.getFloat((long) k * w.cols() + r) : w.getFloat((long) r * w.cols() + k);
                        float got = m == Module.UP || m == Module.V ? block.getFloat((long) i * d + r) : block.getFloat((long) r * n + i);
                        assertEquals(want, got, 0f, m + " layer pair " + slot.index() + " neuron " + k);
                    }
                }
                assertArrayEquals(t.neurons(m, slot.index()), slot.targetNeurons());
                assertEquals(t.keptLayers(m)[slot.index()], slot.targetLayer());
            }
        }

        Path json = dir.resolve("plan.json");
        plan.save(json, false);
        assertThrows(FileAlreadyExistsException.class, () -> plan.save(json, false));
        TransferPlan back = TransferPlan.load(json);
        assertEquals(plan.modules(), back.modules());
        assertEquals(plan.source(), back.source());
        assertEquals(plan.target(), back.target());
        assertEquals(plan.provenance().get("rate"), back.provenance().get("rate"));
        for (Module m : plan.modules()) {
            assertArrayEquals(plan.knowledge(m).shape(), back.knowledge(m).shape());
            assertArrayEquals(plan.knowledge(m).toFloatArray(), back.knowledge(m).toFloatArray());
            for (int j = 0; j < plan.layerPairs(); j++) {
                TransferPlan.Slot a = plan.slots(m).get(j), b = back.slots(m).get(j);
                assertEquals(a.sourceLayer(), b.sourceLayer());
                assertEquals(a.targetLayer(), b.targetLayer());
                assertArrayEquals(a.sourceNeurons(), b.sourceNeurons());
                assertArrayEquals(a.targetNeurons(), b.targetNeurons());
            }
        }
        plan.save(json, true);
    }

    @Test
    void modelsWithDifferentVocabulariesAreRefused() {
        Llama source = model(32, 3, 4, 4, 48, 61, 1, DType.F32);
        Llama target = model(24, 2, 4, 4, 40, 50, 2, DType.F32);
        LocateOptions opts = LocateOptions.forTarget(target.config(), 0.3, ReadoutCompat.REFERENCE, AttributionMode.FAST,
                null, 5, source.config());
        LocateExample small = new LocateExample("e", new int[] {3, 9, 14}, 11);
        Located s = Locator.locate(source, List.of(small), opts, CTX, LocateProgress.NONE);
        Located t = Locator.locate(target, List.of(small), opts, CTX, LocateProgress.NONE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TransferPlan.build(source, s, t, opts.modules()));
        assertTrue(e.getMessage().contains("share one tokenizer"), e.getMessage());
    }

    @Test
    void groupedQueryModelsDefaultToUpDownOAndRefuseV() {
        LlamaConfig gqa = RandomLlama.config(32, 2, 4, 2, 48, 61);
        LlamaConfig mha = RandomLlama.config(24, 2, 4, 4, 40, 61);
        assertEquals(List.of(Module.O, Module.UP, Module.DOWN),
                LocateOptions.forTarget(mha, 0.3, ReadoutCompat.REFERENCE, AttributionMode.FAST, null, 0, gqa).modules());
        assertEquals(List.of(Module.V, Module.O, Module.UP, Module.DOWN),
                LocateOptions.forTarget(mha, 0.3, ReadoutCompat.REFERENCE, AttributionMode.FAST, null, 0, mha).modules());
        LocateOptions withV = LocateOptions.forTarget(mha, 0.3, ReadoutCompat.REFERENCE, AttributionMode.FAST,
                List.of(Module.UP, Module.V), 0, gqa);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> withV.checkModel(gqa, "source model"));
        assertTrue(e.getMessage().contains("grouped-query"), e.getMessage());
    }
}
