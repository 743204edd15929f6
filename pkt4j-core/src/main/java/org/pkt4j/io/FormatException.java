package org.pkt4j.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file pkt4j cannot use: wrong layout, unsupported content, or values that disagree with each other.
 * The message names the file (and key or tensor) with what was expected and what was found, so that the
 * CLI can print it as one line.
 */
public class FormatException extends IOException {
    public FormatException(Path file, String message) {
        super(file + ": " + message);
    }

    public FormatException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
    }
}
