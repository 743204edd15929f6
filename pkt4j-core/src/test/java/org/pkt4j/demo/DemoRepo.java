package org.pkt4j.demo;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the committed demo files (models/demo) from the test's working directory (a module directory). */
final class DemoRepo {
    private DemoRepo() {
    }

    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        for (int i = 0; i < 4 && dir != null; i++, dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve(".mvn")) && Files.isDirectory(dir.resolve("models/demo"))) {
                return dir;
            }
        }
        throw new IllegalStateException("models/demo not found above " + Path.of("").toAbsolutePath());
    }

    static Path demo() {
        return root().resolve("models/demo");
    }
}
