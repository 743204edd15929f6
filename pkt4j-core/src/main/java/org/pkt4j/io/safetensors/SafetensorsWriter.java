package org.pkt4j.io.safetensors;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.Json;
import org.pkt4j.tensor.Tensor;

/**
 * Writes safetensors files: 8-byte little-endian header length, the JSON header padded with spaces to a
 * multiple of 8, then each tensor's bytes in order. {@link #write} is atomic (temporary name, then
 * rename); the {@code writeTo} variants write in place for callers that own atomicity (a temporary
 * directory). Tensors can be {@link PendingTensor}s, produced one at a time as their bytes are due.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {
    }

    /** Writes {@code tensors} (in the given order) with {@code __metadata__} to {@code file}, atomically. */
    public static void write(Path file, Collection<Tensor> tensors, Map<String, String> metadata) throws IOException {
        AtomicFiles.writeFile(file, tmp -> writeTo(tmp, tensors, metadata));
    }

    /** Writes straight to {@code file} (the caller owns atomicity, e.g. inside a temporary directory). */
    public static void writeTo(Path file, Collection<Tensor> tensors, Map<String, String> metadata) throws IOException {
        List<PendingTensor> pending = new ArrayList<>();
        for (Tensor t : tensors) {
            pending.add(PendingTensor.of(t.name(), t));
        }
        writePendingTo(file, pending, metadata);
    }

    /** Atomic write of tensors produced one at a time. */
    public static void writePending(Path file, List<PendingTensor> tensors, Map<String, String> metadata) throws IOException {
        AtomicFiles.writeFile(file, tmp -> writePendingTo(tmp, tensors, metadata));
    }

    /**
     * Writes the header from the declared names, dtypes and shapes, then produces and writes each tensor in
     * order; only one produced tensor is referenced at a time. In place: the caller owns atomicity.
     */
    public static void writePendingTo(Path file, List<PendingTensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", metadata == null || metadata.isEmpty() ? Map.of("format", "pt") : metadata);
        long offset = 0;
        for (PendingTensor t : tensors) {
            long n = t.byteSize();
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("dtype", t.dtype().safetensorsName());
            e.put("shape", t.shape());
            e.put("data_offsets", new long[] {offset, offset + n});
            if (t.name().equals("__metadata__") || header.put(t.name(), e) != null) {
                throw new IllegalArgumentException("duplicate or reserved tensor name " + t.name());
            }
            offset += n;
        }
        byte[] json = Json.writeLine(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] hb = new byte[padded];
        System.arraycopy(json, 0, hb, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            hb[i] = ' ';
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING); OutputStream out = Channels.newOutputStream(ch)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(hb);
            byte[] buf = new byte[1 << 20];
            for (PendingTensor p : tensors) {
                MemorySegment d = p.produce().data();
                long n = d.byteSize();
                for (long pos = 0; pos < n; pos += buf.length) {
                    int c = (int) Math.min(buf.length, n - pos);
                    MemorySegment.copy(d, ValueLayout.JAVA_BYTE, pos, buf, 0, c);
                    out.write(buf, 0, c);
                }
            }
            out.flush();
            ch.force(true);
        }
    }
}
