package org.pkt4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pkt4j.io.AtomicFiles;

/**
 * The sandbox survives abuse: an infinite loop, a fork bomb, a 10 GB allocation and 100 MB of output each
 * end within seconds with the right status, leave no process behind (checked with ps) and no directory,
 * and the sandbox (and this JVM) still run a normal program afterwards. Skipped, visibly, without python3.
 */
class SandboxTest {
    private static final Duration WALL = Duration.ofSeconds(3);
    private static Path root;
    private static Sandbox sandbox;

    @BeforeAll
    static void detect() throws IOException {
        // under /tmp and traversable by others, so that the privilege drop to nobody can be used
        root = Files.createTempDirectory(Path.of("/tmp"), "pkt4j-sandbox-test-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
        sandbox = Sandbox.detect(Sandbox.Limits.defaults().withWallClock(WALL), root, System.getenv("PATH"));
        assumeTrue(sandbox.available(), "sandbox tests skipped: " + sandbox.unavailableReason());
    }

    @AfterAll
    static void stillWorksAfterTheAbuse() throws IOException {
        try {
            if (sandbox != null && sandbox.available()) {
                Sandbox.Execution e = sandbox.run("print(sum(range(101)))");
                assertThat(e.status()).isEqualTo(Sandbox.Status.PASSED);
                assertThat(e.stdout().strip()).isEqualTo("5050");
            }
        } finally {
            AtomicFiles.deleteRecursively(root);
        }
    }

    @AfterEach
    void nothingLeftBehind() throws Exception {
        if (sandbox == null || !sandbox.available()) {
            return;
        }
        assertThat(strayProcesses()).as("processes still running from " + root).isEmpty();
        try (var s = Files.list(root)) {
            assertThat(s.toList()).as("private directories left in " + root).isEmpty();
        }
    }

    @Test
    void enforcesTheStrongestIsolationAvailableToRoot() {
        boolean root = "root".equals(ProcessHandle.current().info().user().orElse(""));
        assumeTrue(root && Files.isExecutable(Path.of("/usr/bin/unshare")) && Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "needs root with unshare and setpriv");
        assertThat(sandbox.enforcement()).contains("no network", "own PID namespace", "runs as nobody", "dies with its parent", "prlimit");
    }

    @Test
    void infiniteLoopTimesOut() throws IOException {
        Sandbox.Execution e = sandbox.run("while True:\n    pass\n");
        assertThat(e.status()).isEqualTo(Sandbox.Status.TIMEOUT);
        assertThat(e.seconds()).isLessThan(WALL.toSeconds() + 5);
    }

    @Test
    void forkBombIsContainedAndKilled() throws IOException {
        String bomb = """
                import os
                while True:
                    try:
                        os.fork()
                    except OSError:
                        pass
                """;
        Sandbox.Execution e = sandbox.run(bomb);
        assertThat(e.status()).isIn(Sandbox.Status.TIMEOUT, Sandbox.Status.FAILED);
        assertThat(e.seconds()).isLessThan(WALL.toSeconds() + 10);
    }

    @Test
    void tenGigabyteAllocationHitsTheMemoryLimit() throws IOException {
        Sandbox.Execution e = sandbox.run("x = bytearray(10 * 1024 ** 3)\nprint(len(x))\n");
        assertThat(e.status()).isEqualTo(Sandbox.Status.MEMORY);
        assertThat(e.stdout()).isEmpty();
    }

    @Test
    void hundredMegabytesOfOutputAreCutOff() throws IOException {
        Sandbox.Execution e = sandbox.run("import sys\nfor _ in range(1600):\n    sys.stdout.write('x' * 65536)\n");
        assertThat(e.status()).isEqualTo(Sandbox.Status.OUTPUT_LIMIT);
        assertThat(e.stdout().length()).isLessThanOrEqualTo((int) sandbox.limits().outputBytes());
        assertThat(e.seconds()).isLessThan(WALL.toSeconds() + 5);
    }

    @Test
    void networkIsUnreachableWhenIsolated() throws IOException {
        assumeTrue(sandbox.enforcement().contains("no network"), "network isolation not available here");
        Sandbox.Execution e = sandbox.run("""
                import socket
                try:
                    socket.create_connection(("1.1.1.1", 53), timeout=2)
                    print("connected")
                except OSError:
                    print("blocked")
                """);
        assertThat(e.stdout().strip()).isEqualTo("blocked");
    }

    @Test
    void normalProgramsPassAndFailingOnesFail() throws IOException {
        Sandbox.Execution ok = sandbox.run("assert sum(range(10)) == 45\nprint('ok')\n");
        assertThat(ok.status()).isEqualTo(Sandbox.Status.PASSED);
        assertThat(ok.stdout().strip()).isEqualTo("ok");
        Sandbox.Execution bad = sandbox.run("assert 1 + 1 == 3\n");
        assertThat(bad.status()).isEqualTo(Sandbox.Status.FAILED);
        assertThat(bad.stderr()).contains("AssertionError");
    }

    @Test
    void missingPythonMakesTheSandboxUnavailable() {
        Sandbox none = Sandbox.detect(Sandbox.Limits.defaults(), root, "/nonexistent-dir");
        assertThat(none.available()).isFalse();
        assertThat(none.unavailableReason()).contains("python3 not found");
    }

    /** Lines of {@code ps} whose command line mentions the test's private root. */
    private static List<String> strayProcesses() throws Exception {
        Process p = new ProcessBuilder("ps", "-eo", "pid,user,args").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return out.lines().filter(l -> l.contains(root.toString())).toList();
    }
}
