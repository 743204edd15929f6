package org.pkt4j.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.Json;
import org.pkt4j.io.hf.Checkpoint;
import org.pkt4j.io.hf.CheckpointWriter;
import org.pkt4j.io.hf.HfConfig;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.testing.BrokenFiles;

/**
 * Writer → reader round trips: every dtype pkt4j writes, single files and sharded checkpoints (template
 * sharding, index), byte for byte; the header layout the format requires; rounding to BF16/F16 is
 * round-to-nearest-even.
 */
class SafetensorsRoundTripTest {

    private static Tensor random(String name, DType dtype, SplittableRandom rng, long... shape) {
        Tensor t = Tensor.allocate(name, dtype, shape);
        for (long i = 0; i < t.numel(); i++) {
            if (dtype.isFloat()) {
                t.setFloat(i, (float) rng.nextGaussian());
            } else {
                t.data().setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, rng.nextLong());
            }
        }
        return t;
    }

    @Test
    void singleFileRoundTripOfEveryDtype(@TempDir Path tmp) throws IOException {
        SplittableRandom rng = new SplittableRandom(1);
        List<Tensor> in = List.of(random("a.f32", DType.F32, rng, 3, 5), random("b.f16", DType.F16, rng, 7),
                random("c.bf16", DType.BF16, rng, 2, 3, 4), random("d.ids", DType.I64, rng, 5),
                random("e.scalar", DType.F32, rng), random("f.empty", DType.F32, rng, 0, 4));
        Path file = tmp.resolve("t.safetensors");
        SafetensorsWriter.write(file, in, Map.of("format", "pt", "producer", "test"));
        BrokenFiles.assertNoLeftovers(file);

        SafetensorsFile f = SafetensorsFile.open(file);
        assertEquals(List.of("a.f32", "b.f16", "c.bf16", "d.ids", "e.scalar", "f.empty"), new ArrayList<>(f.tensors().keySet()));
        assertEquals(Map.of("format", "pt", "producer", "test"), f.metadata());
        for (Tensor t : in) {
            assertSameBytes(t, f.get(t.name()));
        }
        // header: length a multiple of 8, offsets contiguous from 0 in write order
        long headerLen = java.nio.ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8);
        ObjectNode h = BrokenFiles.header(file);
        long at = 0;
        for (Tensor t : in) {
            JsonNode offs = h.get(t.name()).get("data_offsets");
            assertEquals(at, offs.get(0).asLong());
            at = offs.get(1).asLong();
        }
        assertEquals(Files.size(file), 8 + headerLen + at);
    }

    @Test
    void shardedCheckpointRoundTrip(@TempDir Path tmp) throws IOException {
        for (DType dtype : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            LlamaConfig c = RandomLlama.config(32, 3, 4, 2, 48, 50);
            Map<String, Tensor> tensors = new LinkedHashMap<>(RandomLlama.tensors(c, 3, dtype, 0.1));
            tensors.put("extra.position_ids", random("extra.position_ids", DType.I64, new SplittableRandom(2), 6));
            Map<String, String> shardOf = new LinkedHashMap<>();
            for (String name : tensors.keySet()) {
                shardOf.put(name, name.startsWith("model.layers.0.") || name.startsWith("model.embed")
                        ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
            }
            Path dir = tmp.resolve("m-" + dtype);
            CheckpointWriter.write(dir, HfConfig.withDtype(HfConfig.toJson(c), dtype), tensors, shardOf, null, false);

            Checkpoint ck = Checkpoint.open(dir);
            assertTrue(ck.isSharded());
            assertEquals(new java.util.TreeMap<>(shardOf), new java.util.TreeMap<>(ck.shardOf()));
            long total = 0;
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                assertSameBytes(e.getValue(), ck.get(e.getKey()));
                total += e.getValue().data().byteSize();
            }
            assertEquals(total, Json.read(dir.resolve(Checkpoint.INDEX)).get("metadata").get("total_size").asLong());
            // the written model computes what the in-memory one does
            int[] ids = {1, 7, 3, 49, 0};
            // (to 1e-6, not bit for bit: Vector API lane reductions may change order once JIT-compiled)
            org.pkt4j.testing.Close.assertClose(dtype + " logits", new LlamaForward(Llama.open(dir), ExecutionContext.singleThreaded()).logits(ids),
                    new LlamaForward(Llama.of(c, tensors), ExecutionContext.singleThreaded()).logits(ids), 1e-6, 1e-6);
        }
    }

    @Test
    void narrowingRoundsToNearestEven() {
        // halfway cases: 1 + 2^-8 lies midway between BF16 1 and 1 + 2^-7 (ties to the even 1);
        // 1 + 3·2^-8 midway between 1 + 2^-7 and 1 + 2^-6 (ties to the even 1 + 2^-6); same pattern for F16 at 2^-11
        float[] v = {1 + 0x1p-8f, 1 + 3 * 0x1p-8f, 1 + 0x1p-11f, 1 + 3 * 0x1p-11f, -2.5f};
        Tensor src = Tensor.ofFloats("w", v, v.length);
        Tensor bf = PendingTensor.converted("w", src, DType.BF16).produce();
        Tensor hf = PendingTensor.converted("w", src, DType.F16).produce();
        assertEquals(1f, bf.getFloat(0));
        assertEquals(1 + 0x1p-6f, bf.getFloat(1));
        assertEquals(1f, hf.getFloat(2));
        assertEquals(1 + 0x1p-9f, hf.getFloat(3));
        assertEquals(-2.5f, bf.getFloat(4));
        assertEquals(-2.5f, hf.getFloat(4));
        assertEquals(DType.BF16, bf.dtype());
        // ids are never converted
        Tensor ids = random("ids", DType.I64, new SplittableRandom(4), 3);
        assertEquals(DType.I64, PendingTensor.converted("ids", ids, DType.BF16).dtype());
    }

    @Test
    void overflowingFloat16IsAnErrorNamingTheTensor() {
        Tensor src = Tensor.ofFloats("model.norm.weight", new float[] {1f, 70000f}, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PendingTensor.converted("model.norm.weight", src, DType.F16).produce());
        BrokenFiles.assertOneLine(e.getMessage(), "model.norm.weight", "70000", "float16");
    }

    @Test
    void producedTensorMustMatchItsDeclaration(@TempDir Path tmp) {
        Tensor t = Tensor.ofFloats("x", new float[6], 2, 3);
        PendingTensor wrong = new PendingTensor("x", DType.F32, new long[] {3, 2}, () -> t);
        Path file = tmp.resolve("x.safetensors");
        assertThrows(IllegalStateException.class, () -> SafetensorsWriter.writePending(file, List.of(wrong), null));
        assertTrue(Files.notExists(file));
    }

    private static void assertSameBytes(Tensor expected, Tensor actual) {
        assertEquals(expected.dtype(), actual.dtype(), expected.name());
        assertArrayEquals(expected.shape(), actual.shape(), expected.name());
        assertArrayEquals(expected.data().toArray(ValueLayout.JAVA_BYTE), actual.data().toArray(ValueLayout.JAVA_BYTE), expected.name());
    }
}
