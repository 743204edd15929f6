package org.pkt4j.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.pkt4j.testing.BrokenFiles.assertOneLine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.FormatException;
import org.pkt4j.testing.BrokenFiles;
import org.pkt4j.testing.Fixtures;

/** Damaged safetensors files: each is refused with one line naming the file (and tensor), expected and actual. */
class SafetensorsBadInputTest {
    private static final String UP = "model.layers.1.mlp.up_proj.weight";

    @TempDir
    Path tmp;
    Path file;

    @BeforeEach
    void copyFixture() throws IOException {
        file = tmp.resolve("model.safetensors");
        Files.copy(Fixtures.fixture("mha_tiny").resolve("model/model.safetensors"), file);
    }

    private FormatException refused() {
        return assertThrows(FormatException.class, () -> SafetensorsFile.open(file));
    }

    @Test
    void truncatedData() throws IOException {
        long size = Files.size(file);
        BrokenFiles.truncate(file, size - 1000);
        assertOneLine(refused().getMessage(), file.toString(), "truncated", "file size " + (size - 1000), "expected at least " + size);
    }

    @Test
    void shorterThanTheLengthField() throws IOException {
        BrokenFiles.truncate(file, 5);
        assertOneLine(refused().getMessage(), file.toString(), "5 bytes", "at least 8");
    }

    @Test
    void headerLengthPastTheEnd() throws IOException {
        byte[] header = "{}".getBytes(StandardCharsets.UTF_8);
        BrokenFiles.writeRaw(file, 1_000_000, header, new byte[16]);
        assertOneLine(refused().getMessage(), file.toString(), "header length 1000000", "past the end", "18 bytes");
    }

    @Test
    void headerThatIsNotJson() throws IOException {
        byte[] header = "this is not JSON at all!".getBytes(StandardCharsets.UTF_8);
        BrokenFiles.writeRaw(file, header.length, header, new byte[16]);
        assertOneLine(refused().getMessage(), file.toString(), "not JSON");
    }

    @Test
    void dataOffsetsOutsideTheFile() throws IOException {
        long dataLen = BrokenFiles.data(file).length;
        BrokenFiles.editHeader(file, h -> {
            ArrayNode offs = (ArrayNode) h.get(UP).get("data_offsets");
            long n = offs.get(1).asLong() - offs.get(0).asLong();
            offs.removeAll().add(dataLen + 64).add(dataLen + 64 + n);
        });
        assertOneLine(refused().getMessage(), file.toString(), UP, "which has " + dataLen + " bytes", "truncated file or bad header");
    }

    @Test
    void negativeOrReversedOffsets() throws IOException {
        BrokenFiles.editHeader(file, h -> ((ArrayNode) h.get(UP).get("data_offsets")).removeAll().add(100).add(40));
        assertOneLine(refused().getMessage(), file.toString(), UP, "[100, 40]", "begin <= end");
    }

    @Test
    void unsupportedDtype() throws IOException {
        BrokenFiles.editHeader(file, h -> ((ObjectNode) h.get(UP)).put("dtype", "F8_E4M3"));
        assertOneLine(refused().getMessage(), file.toString(), UP, "unsupported dtype F8_E4M3", "F32, F16, BF16");
    }

    @Test
    void shapeThatDisagreesWithTheByteCount() throws IOException {
        BrokenFiles.editHeader(file, h -> ((ArrayNode) h.get(UP).get("shape")).removeAll().add(3).add(3));
        assertOneLine(refused().getMessage(), file.toString(), UP, "[3,3]", "needs 36 bytes");
    }

    @Test
    void missingFile() {
        Path absent = tmp.resolve("absent.safetensors");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> SafetensorsFile.open(absent));
        assertOneLine(e.getMessage(), absent.toString());
    }
}
