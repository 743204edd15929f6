package org.pkt4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs {@code pkt} in-process and captures its exit code, stdout and stderr. */
record Cli(int code, String out, String err) {

    static Cli run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Cli(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** The error line (the first stderr line that is not the JVM's incubator warning). */
    String errorLine() {
        return err.lines().filter(l -> l.startsWith("pkt:") && !l.startsWith("pkt: warning") && !l.startsWith("pkt: note"))
                .findFirst().orElse("");
    }

    /** Exit code {@code code}, one error line mentioning every fragment, no stack trace, nothing on stdout. */
    Cli failsWith(int expectedCode, String... fragments) {
        assertEquals(expectedCode, code, "exit code; stderr: " + err);
        String line = errorLine();
        for (String f : fragments) {
            assertTrue(line.contains(f), "error line lacks '" + f + "': " + line);
        }
        assertFalse(err.contains("\tat "), "stack trace printed: " + err);
        assertFalse(err.contains("internal error"), err);
        assertEquals("", out, "stdout on failure");
        if (expectedCode == 2) {
            assertTrue(err.contains("--help"), "usage errors point to --help: " + err);
        }
        return this;
    }

    Cli succeeds() {
        assertEquals(0, code, "exit code; stderr: " + err);
        return this;
    }
}
