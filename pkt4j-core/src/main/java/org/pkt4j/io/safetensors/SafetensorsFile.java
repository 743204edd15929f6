package org.pkt4j.io.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.Tensor;

/**
 * One memory-mapped safetensors file: 8-byte little-endian header length N, N bytes of JSON header
 * ({@code name -> {dtype, shape, data_offsets}} plus optional {@code __metadata__}), then the raw data.
 * Tensors are views over the mapping in their stored dtype; nothing is copied.
 */
public final class SafetensorsFile {
    private final Path path;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString(), null, "safetensors file not found");
        }
        MemorySegment file;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new FormatException(path, "truncated safetensors file: " + size + " bytes, expected at least 8 (the header length)");
            }
            file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto());
        }
        long size = file.byteSize();
        long headerLen = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen <= 0 || headerLen > size - 8) {
            throw new FormatException(path, "header length " + headerLen + " is past the end of the file (file has "
                    + (size - 8) + " bytes after the length field)");
        }
        byte[] hb = file.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        JsonNode header;
        try {
            header = Json.MAPPER.readTree(new String(hb, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new FormatException(path, "safetensors header is not JSON: " + e.getOriginalMessage());
        }
        if (header == null || !header.isObject()) {
            throw new FormatException(path, "safetensors header is not a JSON object");
        }
        long dataStart = 8 + headerLen;
        long dataLen = size - dataStart;
        checkDataFits(path, header, dataStart, dataLen);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                v.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            tensors.put(name, parseEntry(path, name, v, file, dataStart, dataLen));
        }
        return new SafetensorsFile(path, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    /**
     * The tensor reaching furthest must end inside the file. A truncated file and a header pointing past the
     * data look the same from here, so the message says both, with the size the header implies.
     */
    private static void checkDataFits(Path path, JsonNode header, long dataStart, long dataLen) throws FormatException {
        long furthest = 0;
        String name = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode offs = e.getValue().get("data_offsets");
            if (!e.getKey().equals("__metadata__") && offs != null && offs.isArray() && offs.size() == 2
                    && offs.get(1).asLong(-1) > furthest) {
                furthest = offs.get(1).asLong();
                name = e.getKey();
            }
        }
        if (furthest > dataLen) {
            throw new FormatException(path, "tensor " + name + ": data_offsets end at byte " + furthest
                    + " of the data section, which has " + dataLen + " bytes (file size " + (dataStart + dataLen)
                    + ", expected at least " + (dataStart + furthest) + "): truncated file or bad header");
        }
    }

    private static Tensor parseEntry(Path path, String name, JsonNode v, MemorySegment file, long dataStart, long dataLen)
            throws FormatException {
        JsonNode dt = v.get("dtype");
        JsonNode shape = v.get("shape");
        JsonNode offs = v.get("data_offsets");
        if (dt == null || shape == null || offs == null || !shape.isArray() || !offs.isArray() || offs.size() != 2) {
            throw new FormatException(path, "tensor " + name + ": header entry needs dtype, shape and data_offsets [begin, end]");
        }
        DType dtype = DType.fromSafetensors(dt.asText());
        if (dtype == null) {
            throw new FormatException(path, "tensor " + name + ": unsupported dtype " + dt.asText()
                    + " (supported: F32, F16, BF16, I64, I32)");
        }
        long[] dims = new long[shape.size()];
        long numel = 1;
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shape.get(i).asLong(-1);
            if (dims[i] < 0) {
                throw new FormatException(path, "tensor " + name + ": bad shape " + shape);
            }
            numel *= dims[i];
        }
        long begin = offs.get(0).asLong(-1);
        long end = offs.get(1).asLong(-1);
        if (begin < 0 || end < begin) {
            throw new FormatException(path, "tensor " + name + ": bad data_offsets [" + begin + ", " + end
                    + "] (expected 0 <= begin <= end)");
        }
        if (end - begin != numel * dtype.bytes()) {
            throw new FormatException(path, "tensor " + name + ": shape " + shape + " of " + dtype + " needs "
                    + numel * dtype.bytes() + " bytes, data_offsets span " + (end - begin));
        }
        return new Tensor(name, dtype, dims, file.asSlice(dataStart + begin, end - begin));
    }

    public Path path() {
        return path;
    }

    /** Tensors in header order. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** The named tensor, or a {@link FormatException} naming the file and the tensor. */
    public Tensor get(String name) throws FormatException {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new FormatException(path, "missing tensor " + name);
        }
        return t;
    }
}
