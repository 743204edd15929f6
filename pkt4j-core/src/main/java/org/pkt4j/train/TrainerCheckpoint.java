package org.pkt4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.io.safetensors.SafetensorsWriter;
import org.pkt4j.tensor.Tensor;

/**
 * A training checkpoint: {@code <run>/checkpoints/step-NNNNNNNN/} holding {@code trainer.safetensors} (every
 * trainable parameter as {@code param.<name>} and the optimizer state as {@code optim.<key>}, fp32) and
 * {@code state.json} (format, version, completed steps, optimizer steps, the run's options, seed and data
 * hash). The directory is built under a temporary name and renamed, so a checkpoint that exists is complete.
 * The random state needs no saving: every draw (data order, dropout masks) is derived from the seed, the
 * step and the micro-batch index.
 */
public final class TrainerCheckpoint {
    private TrainerCheckpoint() {
    }

    public static final String FORMAT = "pkt4j-trainer-checkpoint";
    public static final int VERSION = 1;
    static final String WEIGHTS = "trainer.safetensors";
    static final String STATE = "state.json";
    private static final Pattern NAME = Pattern.compile("step-(\\d+)");

    /** A checkpoint found on disk. */
    public record Loaded(Path dir, long step, JsonNode state, SafetensorsFile tensors) {
    }

    public static Path root(Path runDir) {
        return runDir.resolve("checkpoints");
    }

    /** Saves a checkpoint after {@code step} completed steps and keeps only the newest {@code keep}. */
    public static Path save(Path runDir, long step, List<Param> params, Optimizer optimizer, Map<String, Object> meta,
                            int keep) throws IOException {
        Path dir = root(runDir).resolve(String.format("step-%08d", step));
        List<Tensor> tensors = new ArrayList<>();
        for (Param p : params) {
            tensors.add(Tensor.ofFloats("param." + p.name(), p.value(), p.size()));
        }
        optimizer.state().forEach((k, v) -> tensors.add(Tensor.ofFloats("optim." + k, v, v.length)));
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("format", FORMAT);
        state.put("version", VERSION);
        state.put("step", step);
        state.put("optimizer_steps", optimizer.steps());
        state.put("optimizer", optimizer.describe());
        state.putAll(meta);
        AtomicFiles.writeDirectory(dir, true, tmp -> {
            SafetensorsWriter.writeTo(tmp.resolve(WEIGHTS), tensors, Map.of("format", "pt", "producer", "pkt4j trainer"));
            Files.writeString(tmp.resolve(STATE), Json.write(state) + "\n");
        });
        List<Path> all = list(runDir);
        for (int i = 0; i < all.size() - Math.max(1, keep); i++) {
            AtomicFiles.deleteRecursively(all.get(i));
        }
        return dir;
    }

    /** The newest complete checkpoint of a run, if any. */
    public static Optional<Loaded> latest(Path runDir) throws IOException {
        List<Path> all = list(runDir);
        if (all.isEmpty()) {
            return Optional.empty();
        }
        Path dir = all.getLast();
        JsonNode state = Json.read(dir.resolve(STATE));
        if (!FORMAT.equals(state.path("format").asText()) || state.path("version").asInt() != VERSION) {
            throw new FormatException(dir.resolve(STATE), "expected format " + FORMAT + " version " + VERSION + ", got "
                    + state.path("format").asText() + " version " + state.path("version").asText());
        }
        return Optional.of(new Loaded(dir, state.path("step").asLong(), state, SafetensorsFile.open(dir.resolve(WEIGHTS))));
    }

    /** Copies the checkpoint's parameters and optimizer state into {@code params} and {@code optimizer}. */
    public static void restore(Loaded c, List<Param> params, Optimizer optimizer) throws IOException {
        Path file = c.dir().resolve(WEIGHTS);
        for (Param p : params) {
            Tensor t = c.tensors().tensors().get("param." + p.name());
            if (t == null) {
                throw new FormatException(file, "missing parameter param." + p.name() + " (was the run started with other options?)");
            }
            if (t.numel() != p.size()) {
                throw new FormatException(file, "param." + p.name() + " has " + t.numel() + " values, the model " + p.size());
            }
            System.arraycopy(t.toFloatArray(), 0, p.value(), 0, p.size());
        }
        Map<String, float[]> state = new LinkedHashMap<>();
        c.tensors().tensors().forEach((k, v) -> {
            if (k.startsWith("optim.")) {
                state.put(k.substring("optim.".length()), v.toFloatArray());
            }
        });
        optimizer.restore(c.state().path("optimizer_steps").asLong(), state);
    }

    /** Complete checkpoint directories, oldest first. */
    static List<Path> list(Path runDir) throws IOException {
        Path root = root(runDir);
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.forEach(p -> {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && Files.isRegularFile(p.resolve(STATE)) && Files.isRegularFile(p.resolve(WEIGHTS))) {
                    out.add(p);
                }
            });
        }
        out.sort((a, b) -> Long.compare(step(a), step(b)));
        return out;
    }

    private static long step(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }
}
