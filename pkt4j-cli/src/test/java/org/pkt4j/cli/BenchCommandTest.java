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
        assertUsage("--train-tokens: expected >= 2, got 1", "bench", "--train-tokens", "1");
        assertUsage("--llama2c: expected an executable llama2.c run binary, got '/nonexistent/run'", "bench", "--llama2c", "/nonexistent/run");
    }

    @Test
    void helpNamesEverySectionAndTheBaselines() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"bench", "--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        String help = out.toString(StandardCharsets.UTF_8).replaceAll("\\s+", " ");
        assertEquals(ExitCodes.OK, code);
        for (String s : new String[] {"matmul", "model", "llama2c", "torch", "memory", "train", "--llama2c", "--train-tokens",
            "OpenBLAS", "PyTorch", ">= 2x PyTorch", "load average"}) {
            assertTrue(help.contains(s), "help should mention " + s + ": " + help);
        }
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
