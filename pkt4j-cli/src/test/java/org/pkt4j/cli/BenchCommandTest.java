package org.pkt4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code pkt bench} rejects bad flags with a one-line usage error (exit 2) before measuring anything. */
class BenchCommandTest {

    @Test
    void badFlagsAreUsageErrors() {
        assertUsage("--threads: expected 1..1024, got 0", "bench", "--threads", "0");
        assertUsage("--skip: unknown section 'gemm'", "bench", "--skip", "gemm");
        assertUsage("--model-shape: expected stories15M, stories110M or a model directory", "bench", "--model-shape", "/nonexistent/model");
        assertUsage("--repeats: expected >= 1, got 0", "bench", "--repeats", "0");
        assertUsage("--new-tokens: expected >= 1 and >= 2", "bench", "--new-tokens", "1");
    }

    private static void assertUsage(String expected, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(ExitCodes.USAGE, code, e);
        assertTrue(e.contains(expected), "stderr should contain '" + expected + "' but was: " + e);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
