package org.pkt4j.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;

/**
 * A LaTen run directory: {@code manifest.json} ({@value #FORMAT}: options, seeds, input checksums, version,
 * modules, notes), {@code log.jsonl} (one line per step), {@code checkpoint_<k>/} ({@link LatenCheckpoint}) and
 * {@code attribution/} (each model's scores of every extract example, computed once and reused on resume).
 */
public final class LatenRun {
    public static final String FORMAT = "pkt4j.laten/1";
    public static final String MANIFEST = "manifest.json";
    public static final String LOG = "log.jsonl";
    public static final String ATTRIBUTION = "attribution";

    /** What to do with an existing run directory. */
    public enum Mode {
        /** Refuse a directory that holds anything. */
        FRESH,
        /** Continue from the newest checkpoint (a missing or empty directory starts fresh). */
        RESUME,
        /** Delete the run's files and start over. */
        FORCE
    }

    private LatenRun() {
    }

    /**
     * Prepares {@code run} for a job. Returns the existing manifest when resuming one (after checking that it
     * was made with the same options and inputs), else null after clearing what {@link Mode#FORCE} replaces.
     *
     * @param manifest the manifest this job would write (its "options" and "inputs" are compared on resume)
     */
    public static JsonNode prepare(Path run, Mode mode, Map<String, Object> manifest) throws IOException {
        boolean exists = Files.exists(run) && !(Files.isDirectory(run) && isEmpty(run));
        if (!exists) {
            return null;
        }
        if (!Files.isDirectory(run)) {
            throw new FileAlreadyExistsException(run.toString(), null, "exists and is not a directory");
        }
        switch (mode) {
            case FRESH -> throw new FileAlreadyExistsException(run.toString(), null,
                    "already exists; pass --resume to continue its run or --force to start over");
            case FORCE -> {
                clear(run);
                return null;
            }
            default -> {
            }
        }
        Path file = run.resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            throw new FormatException(run, "has no " + MANIFEST + ": not a LaTen run directory (pass --force to start over in it)");
        }
        JsonNode old = Json.read(file);
        if (!FORMAT.equals(old.path("format").asText())) {
            throw new FormatException(file, "format is '" + old.path("format").asText() + "', expected '" + FORMAT + "'");
        }
        JsonNode now = Json.MAPPER.valueToTree(manifest);
        compare(file, old.path("options"), now.path("options"), "");
        compare(file, old.path("inputs"), now.path("inputs"), "");
        return old;
    }

    /** Fails fast (before any model is read) when a fresh run would meet an existing directory. */
    public static void checkFresh(Path run, Mode mode) throws IOException {
        if (mode == Mode.FRESH && Files.exists(run) && !(Files.isDirectory(run) && isEmpty(run))) {
            throw new FileAlreadyExistsException(run.toString(), null, "already exists; pass --resume to continue its run or --force to start over");
        }
    }

    /** Writes the manifest of a fresh run. */
    public static void writeManifest(Path run, Map<String, Object> manifest) throws IOException {
        Files.createDirectories(run);
        Json.writeFile(run.resolve(MANIFEST), manifest);
    }

    /** Appends one step's line to the log. */
    public static void log(Path run, Map<String, Object> line) throws IOException {
        Files.writeString(run.resolve(LOG), Json.writeLine(line) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Keeps the log lines of steps up to {@code lastStep} (a resumed run rewrites what came after; -1 keeps none). */
    public static void truncateLog(Path run, int lastStep) throws IOException {
        Path log = run.resolve(LOG);
        if (!Files.isRegularFile(log)) {
            return;
        }
        List<String> kept = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (!line.isBlank() && Json.MAPPER.readTree(line).path("step").asInt() <= lastStep) {
                kept.add(line);
            }
        }
        AtomicFiles.writeString(log, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
    }

    /** The log's lines, parsed. */
    public static List<JsonNode> readLog(Path run) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        Path log = run.resolve(LOG);
        if (Files.isRegularFile(log)) {
            for (String line : Files.readAllLines(log)) {
                if (!line.isBlank()) {
                    out.add(Json.MAPPER.readTree(line));
                }
            }
        }
        return out;
    }

    /** Deletes what a run writes (manifest, log, checkpoints, attribution), leaving any other file alone. */
    static void clear(Path run) throws IOException {
        Files.deleteIfExists(run.resolve(MANIFEST));
        Files.deleteIfExists(run.resolve(LOG));
        AtomicFiles.deleteRecursively(run.resolve(ATTRIBUTION));
        for (int k : LatenCheckpoint.steps(run)) {
            AtomicFiles.deleteRecursively(LatenCheckpoint.dir(run, k));
        }
    }

    /** Refuses to resume when a recorded option or input differs, naming the first one that does. */
    private static void compare(Path file, JsonNode old, JsonNode now, String prefix) throws IOException {
        for (Iterator<Map.Entry<String, JsonNode>> it = now.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode was = old.path(e.getKey());
            if (e.getValue().isObject() && was.isObject()) {
                compare(file, was, e.getValue(), prefix.isEmpty() ? e.getKey() : prefix);
            } else if (!sameValue(was, e.getValue())) {
                String name = prefix.isEmpty() ? e.getKey() : prefix + " (" + e.getKey() + ")";
                throw new IllegalArgumentException("cannot resume " + file.getParent() + ": it was started with " + name + " "
                        + (was.isMissingNode() ? "(not recorded)" : was) + ", this call has " + name + " " + e.getValue()
                        + "; resume with the same options and inputs, or pass --force to start over");
            }
        }
    }

    private static boolean sameValue(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.asDouble() == b.asDouble();
        }
        return a.equals(b);
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
