package org.pkt4j.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.io.safetensors.SafetensorsWriter;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.train.Optimizer;

/**
 * A LaTen checkpoint, {@code RUN/checkpoint_<k>/}, written after step k (0-based, as the reference names its
 * {@code checkpoint_<idx>}): so checkpoint_k holds H after k + 1 updates.
 * <ul>
 *   <li>{@code hypernetwork.safetensors}: H's weights, F32, under the reference's state-dict names
 *       ({@code network.<module>.0.weight} = W1, {@code network.<module>.2.weight} = W2);</li>
 *   <li>{@code optimizer.safetensors}: AdamW's moments ({@code exp_avg.<name>}, {@code exp_avg_sq.<name>}) —
 *       kept in the two newest checkpoints only (resuming needs it, fusing does not; the older one is a
 *       fallback should the newest be damaged), which bounds a run's disk use at two optimizer states plus one
 *       H per step;</li>
 *   <li>{@code state.json}: format, step, optimizer steps, the scheduler's position and next values, and the
 *       random state (the next step's align draw is {@code random.seed(k + 1)}: nothing else to carry).</li>
 * </ul>
 * The directory is built under a temporary name and renamed: a checkpoint that exists is complete.
 */
public final class LatenCheckpoint {
    private LatenCheckpoint() {
    }

    public static final String FORMAT = "pkt4j.laten.checkpoint/1";
    public static final String WEIGHTS = "hypernetwork.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String STATE = "state.json";
    private static final Pattern NAME = Pattern.compile("checkpoint_(\\d+)");

    /** The directory of checkpoint k. */
    public static Path dir(Path run, int k) {
        return run.resolve("checkpoint_" + k);
    }

    /** Checkpoints that keep their optimizer state: the newest ones. */
    static final int KEEP_OPTIMIZER = 2;

    /**
     * Writes checkpoint k and drops the optimizer state of all but the {@value #KEEP_OPTIMIZER} newest checkpoints.
     *
     * @param state the step's record for state.json (scheduler position, random state, example)
     */
    public static Path save(Path run, int k, Hypernetwork h, Optimizer optimizer, Map<String, Object> state) throws IOException {
        Path dir = dir(run, k);
        List<Tensor> weights = new ArrayList<>(h.stateDict().values());
        List<Tensor> moments = new ArrayList<>();
        optimizer.state().forEach((name, v) -> moments.add(Tensor.ofFloats(name, v, v.length)));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("format", FORMAT);
        json.put("step", k);
        json.put("updates", k + 1);
        json.put("optimizer_steps", optimizer.steps());
        json.put("optimizer", optimizer.describe());
        json.putAll(state);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("producer", "pkt4j laten train");
        meta.put("step", Integer.toString(k));
        meta.put("source_dim", Integer.toString(h.sourceDim()));
        meta.put("target_dim", Integer.toString(h.targetDim()));
        AtomicFiles.writeDirectory(dir, true, tmp -> {
            SafetensorsWriter.writeTo(tmp.resolve(WEIGHTS), weights, meta);
            SafetensorsWriter.writeTo(tmp.resolve(OPTIMIZER), moments, Map.of("format", "pt", "producer", "pkt4j laten train"));
            Files.writeString(tmp.resolve(STATE), Json.write(json) + "\n");
        });
        List<Integer> all = steps(run);
        for (int i = 0; i < all.size() - KEEP_OPTIMIZER; i++) {
            Files.deleteIfExists(dir(run, all.get(i)).resolve(OPTIMIZER));
        }
        return dir;
    }

    /** The steps k of the run's checkpoint directories, ascending. */
    public static List<Integer> steps(Path run) throws IOException {
        List<Integer> out = new ArrayList<>();
        if (!Files.isDirectory(run)) {
            return out;
        }
        try (Stream<Path> s = Files.list(run)) {
            s.forEach(p -> {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && Files.isDirectory(p)) {
                    out.add(Integer.parseInt(m.group(1)));
                }
            });
        }
        out.sort(null);
        return out;
    }

    /** The hypernetwork of checkpoint k (its modules are the ones its file holds). */
    public static Hypernetwork loadHypernetwork(Path run, int k) throws IOException {
        Path dir = dir(run, k);
        if (!Files.isDirectory(dir)) {
            List<Integer> all = steps(run);
            throw new NoSuchFileException(dir.toString(), null, "no such checkpoint ("
                    + (all.isEmpty() ? "the run has none" : "the run has checkpoint_" + all.getFirst() + " .. checkpoint_" + all.getLast()) + ")");
        }
        Path file = dir.resolve(WEIGHTS);
        SafetensorsFile st = SafetensorsFile.open(file);
        Set<Module> modules = new java.util.LinkedHashSet<>();
        for (String name : st.tensors().keySet()) {
            Module m = moduleOf(name);
            if (m == null) {
                throw new FormatException(file, "unexpected tensor " + name + ", expected network.<up_proj|down_proj|v_proj|o_proj>.<0|2>.weight");
            }
            modules.add(m);
        }
        if (modules.isEmpty()) {
            throw new FormatException(file, "holds no hypernetwork weights");
        }
        try {
            return Hypernetwork.fromStateDict(st.tensors(), modules);
        } catch (IllegalArgumentException e) {
            throw new FormatException(file, e.getMessage());
        }
    }

    /**
     * Restores H's weights and the optimizer's state from checkpoint k (for resuming). A damaged or incomplete
     * checkpoint is a {@link FormatException} or {@link NoSuchFileException} naming the file and the way out.
     */
    public static JsonNode restore(Path run, int k, Hypernetwork h, Optimizer optimizer) throws IOException {
        try {
            return restoreOrThrow(run, k, h, optimizer);
        } catch (FormatException | NoSuchFileException e) {
            String hint = k > 0 ? "; delete " + dir(run, k) + " to resume from checkpoint_" + (k - 1) + ", or pass --force to start over"
                    : "; pass --force to start over";
            if (e instanceof NoSuchFileException n) {
                throw new NoSuchFileException(n.getFile(), null, (n.getReason() == null ? "missing" : n.getReason()) + hint);
            }
            throw new FormatException(dir(run, k), e.getMessage() + hint, e);
        }
    }

    private static JsonNode restoreOrThrow(Path run, int k, Hypernetwork h, Optimizer optimizer) throws IOException {
        Path dir = dir(run, k);
        JsonNode state = Json.read(dir.resolve(STATE));
        if (!FORMAT.equals(state.path("format").asText()) || state.path("step").asInt(-1) != k) {
            throw new FormatException(dir.resolve(STATE), "expected format " + FORMAT + " and step " + k + ", found "
                    + state.path("format").asText() + " and step " + state.path("step").asText());
        }
        Hypernetwork saved = loadHypernetwork(run, k);
        if (!saved.modules().equals(h.modules()) || saved.sourceDim() != h.sourceDim() || saved.targetDim() != h.targetDim()) {
            throw new FormatException(dir.resolve(WEIGHTS), "holds modules " + saved.modules() + " of " + saved.sourceDim() + " -> "
                    + saved.targetDim() + ", this run needs " + h.modules() + " of " + h.sourceDim() + " -> " + h.targetDim());
        }
        for (Module m : h.modules()) {
            System.arraycopy(saved.net(m).w1(), 0, h.net(m).w1(), 0, h.net(m).w1().length);
            System.arraycopy(saved.net(m).w2(), 0, h.net(m).w2(), 0, h.net(m).w2().length);
        }
        Map<String, Tensor> dst = h.stateDict();
        Path opt = dir.resolve(OPTIMIZER);
        if (!Files.isRegularFile(opt)) {
            throw new NoSuchFileException(opt.toString(), null, "missing: only the " + KEEP_OPTIMIZER + " newest checkpoints keep the "
                    + "optimizer state");
        }
        SafetensorsFile st = SafetensorsFile.open(opt);
        Map<String, float[]> moments = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : st.tensors().entrySet()) {
            moments.put(e.getKey(), e.getValue().toFloatArray());
        }
        for (String name : dst.keySet()) {
            for (String kind : new String[] {"exp_avg.", "exp_avg_sq."}) {
                float[] v = moments.get(kind + name);
                if (v == null || v.length != dst.get(name).numel()) {
                    throw new FormatException(opt, "missing or mis-sized " + kind + name);
                }
            }
        }
        optimizer.restore(state.path("optimizer_steps").asLong(), moments);
        return state;
    }

    private static Module moduleOf(String name) {
        Matcher m = Pattern.compile("network\\.(\\w+)\\.([02])\\.weight").matcher(name);
        if (!m.matches()) {
            return null;
        }
        Module mod = Module.parse(m.group(1));
        return mod == Module.UP || mod == Module.DOWN || mod == Module.V || mod == Module.O ? mod : null;
    }
}
