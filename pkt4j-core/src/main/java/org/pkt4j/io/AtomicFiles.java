package org.pkt4j.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Write-to-a-temporary-name-then-rename, for files and whole directories, so that an interrupted write
 * never leaves a half-written checkpoint and never damages what was at the destination before.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes one file's content through {@code writer}, then renames it into place. */
    public interface FileWriter {
        void write(Path tmp) throws IOException;
    }

    /** Fills a fresh temporary directory, then moves it to {@code dir}. */
    public interface DirWriter {
        void write(Path tmpDir) throws IOException;
    }

    /** Refuses an existing destination unless {@code force}. */
    public static void checkWritable(Path dest, boolean force, String flag) throws IOException {
        if (Files.exists(dest) && !force) {
            throw new FileAlreadyExistsException(dest.toString(), null,
                    "already exists; pass " + flag + " to overwrite it");
        }
    }

    public static void writeFile(Path dest, FileWriter writer) throws IOException {
        Path parent = dest.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, "." + dest.getFileName() + ".", ".tmp");
        try {
            writer.write(tmp);
            usualPermissions(tmp, "rw-r--r--");
            move(tmp, dest);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void writeString(Path dest, String content) throws IOException {
        writeFile(dest, tmp -> Files.writeString(tmp, content));
    }

    /**
     * Builds a directory under a temporary name beside {@code dest} and renames it into place. An existing
     * {@code dest} is replaced only when {@code force} is set, and only after the new one is complete.
     */
    public static void writeDirectory(Path dest, boolean force, DirWriter writer) throws IOException {
        Path abs = dest.toAbsolutePath();
        Path parent = abs.getParent();
        Files.createDirectories(parent);
        checkWritable(abs, force, "--force");
        Path tmp = Files.createTempDirectory(parent, "." + abs.getFileName() + ".");
        try {
            writer.write(tmp);
            usualPermissions(tmp, "rwxr-xr-x");
            if (Files.exists(abs)) {
                Path old = parent.resolve("." + abs.getFileName() + ".old-" + System.nanoTime());
                Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
                deleteRecursively(old);
            } else {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            if (Files.exists(tmp)) {
                deleteRecursively(tmp);
            }
        }
    }

    /**
     * Temporary files and directories are created private (0600/0700); the finished output gets the usual
     * permissions (subject to the umask-free default of rw-r--r-- / rwxr-xr-x) on file systems that have them.
     */
    private static void usualPermissions(Path p, String perms) throws IOException {
        if (Files.getFileStore(p).supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class)) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(perms));
        }
    }

    private static void move(Path tmp, Path dest) throws IOException {
        try {
            Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(q -> {
                try {
                    Files.delete(q);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** For callers that must not proceed when a file exists (never overwritten silently). */
    public static void refuseExisting(Path p) throws FileAlreadyExistsException {
        if (Files.exists(p)) {
            throw new FileAlreadyExistsException(p.toString(), null, "already exists");
        }
    }
}
