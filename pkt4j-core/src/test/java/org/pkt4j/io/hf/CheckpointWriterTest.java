package org.pkt4j.io.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.safetensors.PendingTensor;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.testing.BrokenFiles;

/** An existing output is refused without force, and a write that fails half way never damages what was there. */
class CheckpointWriterTest {

    @TempDir
    Path tmp;

    private final LlamaConfig c = RandomLlama.config(16, 2, 2, 2, 24, 20);
    private final Map<String, Tensor> tensors = RandomLlama.tensors(c, 1, DType.F32, 0.1);

    private List<PendingTensor> failingAfter(int good, RuntimeException failure) {
        List<PendingTensor> out = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            boolean fail = i++ >= good;
            out.add(new PendingTensor(e.getKey(), t.dtype(), t.shape(), () -> {
                if (fail) {
                    throw failure;
                }
                return t;
            }));
        }
        return out;
    }

    @Test
    void existingOutputIsRefusedWithoutForce() throws IOException {
        Path dest = tmp.resolve("out");
        Files.createDirectories(dest);
        Files.writeString(dest.resolve("keep.txt"), "precious");
        Map<String, String> before = BrokenFiles.snapshot(dest);
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class,
                () -> CheckpointWriter.write(dest, HfConfig.toJson(c), tensors, null, null, false));
        BrokenFiles.assertOneLine(e.getMessage(), dest.toString(), "--force");
        BrokenFiles.assertSameFiles(before, dest);
        BrokenFiles.assertNoLeftovers(dest);

        CheckpointWriter.write(dest, HfConfig.toJson(c), tensors, null, null, true);
        assertTrue(Files.notExists(dest.resolve("keep.txt")), "--force replaces the directory");
        Llama.open(dest);
    }

    @Test
    void failureMidWriteLeavesTheOldOutputIntact() throws IOException {
        Path dest = tmp.resolve("out");
        CheckpointWriter.write(dest, HfConfig.toJson(c), tensors, null, null, false);
        Map<String, String> before = BrokenFiles.snapshot(dest);

        IllegalStateException boom = new IllegalStateException("disk on fire");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CheckpointWriter.write(dest,
                HfConfig.toJson(c), failingAfter(5, boom), null, Map.of(), true));
        assertEquals(boom, e);
        BrokenFiles.assertSameFiles(before, dest);
        BrokenFiles.assertNoLeftovers(dest);

        // an invalid tensor (produced with another shape than declared) fails the same way
        Tensor norm = tensors.get("model.norm.weight");
        List<PendingTensor> invalid = new ArrayList<>();
        tensors.forEach((n, t) -> invalid.add(PendingTensor.of(n, t)));
        invalid.set(invalid.size() - 2, new PendingTensor("model.norm.weight", DType.F32, new long[] {17}, () -> norm));
        assertThrows(IllegalStateException.class, () -> CheckpointWriter.write(dest, HfConfig.toJson(c), invalid, null, Map.of(), true));
        BrokenFiles.assertSameFiles(before, dest);
        BrokenFiles.assertNoLeftovers(dest);
    }

    @Test
    void failureOnAFreshOutputLeavesNothing() throws IOException {
        Path dest = tmp.resolve("fresh");
        assertThrows(IllegalStateException.class, () -> CheckpointWriter.write(dest, HfConfig.toJson(c),
                failingAfter(3, new IllegalStateException("interrupted")), null, Map.of(), false));
        BrokenFiles.assertNothingWritten(dest);
    }
}
