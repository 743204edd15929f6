package org.pkt4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.pkt4j.io.Json;

/**
 * Builds damaged copies of fixture files in a test's temporary directory (safetensors with edited headers,
 * truncated files, edited config.json), and checks what a failed write must leave behind.
 */
public final class BrokenFiles {
    private BrokenFiles() {
    }

    /** Copies a directory's regular files (one level, as model directories are) into {@code dest}. */
    public static Path copyDir(Path src, Path dest) throws IOException {
        Files.createDirectories(dest);
        try (Stream<Path> s = Files.list(src)) {
            for (Path p : s.toList()) {
                if (Files.isRegularFile(p)) {
                    Files.copy(p, dest.resolve(p.getFileName().toString()));
                }
            }
        }
        return dest;
    }

    /** The JSON header of a safetensors file, editable. */
    public static ObjectNode header(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return (ObjectNode) Json.MAPPER.readTree(new String(b, 8, (int) n, StandardCharsets.UTF_8));
    }

    /** The data section (everything after the header). */
    public static byte[] data(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] d = new byte[(int) (b.length - 8 - n)];
        System.arraycopy(b, (int) (8 + n), d, 0, d.length);
        return d;
    }

    /** Rewrites a safetensors file with its header edited and the same data. */
    public static void editHeader(Path file, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode h = header(file);
        byte[] d = data(file);
        edit.accept(h);
        byte[] json = Json.writeLine(h).getBytes(StandardCharsets.UTF_8);
        writeRaw(file, json.length, json, d);
    }

    /** Writes a safetensors-like file with an arbitrary declared header length, header bytes and data. */
    public static void writeRaw(Path file, long declaredHeaderLength, byte[] header, byte[] data) throws IOException {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(declaredHeaderLength);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(len.flip());
            ch.write(ByteBuffer.wrap(header));
            ch.write(ByteBuffer.wrap(data));
        }
    }

    /** Cuts a file to its first {@code size} bytes. */
    public static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    /** Rewrites a JSON object file after {@code edit}. */
    public static void editJson(Path file, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode o = (ObjectNode) Json.read(file);
        edit.accept(o);
        Files.writeString(file, Json.write(o));
    }

    /** SHA-256 of every regular file under {@code dir}, by relative path (to show nothing changed). */
    public static Map<String, String> snapshot(Path dir) {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                out.put(dir.relativize(p).toString(), HexFormat.of().formatHex(md.digest(Files.readAllBytes(p))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    /** Asserts that the parent of {@code dest} holds no temporary leftovers of a write to {@code dest}. */
    public static void assertNoLeftovers(Path dest) throws IOException {
        Path parent = dest.toAbsolutePath().getParent();
        String prefix = "." + dest.getFileName() + ".";
        try (Stream<Path> s = Files.list(parent)) {
            List<String> left = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).toList();
            assertTrue(left.isEmpty(), "temporary files left beside " + dest + ": " + left);
        }
    }

    /** Asserts a one-line message that mentions every fragment. */
    public static void assertOneLine(String message, String... fragments) {
        assertFalse(message.strip().contains("\n"), "expected one line, got:\n" + message);
        for (String f : fragments) {
            assertTrue(message.contains(f), "message lacks '" + f + "': " + message);
        }
    }

    /** Asserts that {@code dest} does not exist and nothing temporary is left beside it. */
    public static void assertNothingWritten(Path dest) throws IOException {
        assertFalse(Files.exists(dest), dest + " exists after a failed write");
        assertNoLeftovers(dest);
    }

    public static void assertSameFiles(Map<String, String> before, Path dir) {
        assertEquals(before, snapshot(dir), "contents of " + dir + " changed");
    }
}
