package org.pkt4j.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.tensor.Tensor;

/**
 * Finds the shared golden data: {@code PKT4J_FIXTURES} (fixtures) / {@code PKT4J_SHARED} (the shared
 * folder), else {@code ../shared} beside the repository. When absent, golden tests are skipped with a
 * visible reason, or fail when the build sets {@code -Dpkt4j.requireFixtures=true} (as {@code .ci/run} does).
 */
public final class Fixtures {
    private Fixtures() {
    }

    /** The shared folder (holding fixtures/, data/, docs/). */
    public static Path shared() {
        String env = System.getenv("PKT4J_SHARED");
        if (env != null && Files.isDirectory(Path.of(env))) {
            return Path.of(env);
        }
        Path dir = Path.of("").toAbsolutePath();
        for (int i = 0; i < 4 && dir != null; i++, dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared");
            if (Files.isDirectory(candidate.resolve("fixtures")) && Files.isDirectory(dir.resolve(".mvn"))) {
                return candidate;
            }
        }
        return missing("../shared (set PKT4J_SHARED)");
    }

    /** The fixtures folder. */
    public static Path root() {
        String env = System.getenv("PKT4J_FIXTURES");
        if (env != null) {
            Path p = Path.of(env);
            return Files.isDirectory(p) ? p : missing(env);
        }
        return shared().resolve("fixtures");
    }

    /** shared/data. */
    public static Path data() {
        Path p = shared().resolve("data");
        return Files.isDirectory(p) ? p : missing(p.toString());
    }

    public static Path fixture(String name) {
        Path p = root().resolve(name);
        return Files.isDirectory(p) ? p : missing(p.toString());
    }

    public static SafetensorsFile expected(String name) {
        try {
            return SafetensorsFile.open(fixture(name).resolve("expected.safetensors"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Tensor tensor(SafetensorsFile f, String name) {
        Tensor t = f.tensors().get(name);
        if (t == null) {
            fail("fixture " + f.path() + " lacks tensor " + name);
        }
        return t;
    }

    private static <T> T missing(String where) {
        if (Boolean.getBoolean("pkt4j.requireFixtures")) {
            fail("golden data required but not found at " + where);
        }
        assumeTrue(false, "golden data not found at " + where + ": golden test skipped");
        throw new AssertionError("unreachable");
    }
}
