package org.pkt4j.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.attribution.AttributionMode;
import org.pkt4j.attribution.ExampleScores;
import org.pkt4j.attribution.LocateExample;
import org.pkt4j.attribution.LocateOptions;
import org.pkt4j.attribution.Located;
import org.pkt4j.attribution.NeuronAttribution;
import org.pkt4j.attribution.ReadoutCompat;
import org.pkt4j.data.DataFile;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.io.ModelFiles;
import org.pkt4j.io.hf.Checkpoint;
import org.pkt4j.io.hf.CheckpointWriter;
import org.pkt4j.io.safetensors.PendingTensor;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;

/**
 * Fuse (PKT-SPEC §4 "Fuse", {@code inference_LaTen.py}): locate S and T on one example drawn from the train
 * split ({@code random.seed(seed); random.sample(range(len(data)), 1)}, reproduced by {@link PythonRandom}),
 * then for each transfer rate extract S's knowledge, map it ({@link KnowledgeMap}: a trained hypernetwork, or
 * a fixed map for direct injection), add the deltas to T permanently ({@link Fusion}: W + Δ rounded once to
 * the stored dtype) and write T as a Hugging Face checkpoint with its names, dtype, sharding, config and
 * tokenizer files, plus {@code pkt4j_transfer.json} (what was transferred, from where).
 *
 * <p>The example's scores are computed once per model and reused for every rate (the kept layers do not
 * depend on the rate; the neuron counts do). One rate writes the model at {@code out}; several write
 * {@code out/rate_<r>/} each. The output directory is built under a temporary name and renamed when complete:
 * an interrupted fuse leaves no partial model. (The reference's script saves the unchanged target — it sets
 * the deltas as plain attributes — so W + Δ here is what the method intends, not what that script wrote.)
 */
public final class LatenFuse {
    private LatenFuse() {
    }

    /** The provenance file written into every fused model directory. */
    public static final String PROVENANCE = "pkt4j_transfer.json";
    public static final String FORMAT = "pkt4j.transfer/1";

    /**
     * How to locate: the readout compat, the attribution mode, the modules (null: the pair's default).
     */
    public record Settings(ReadoutCompat compat, AttributionMode mode, List<Module> modules) {
    }

    /**
     * One fused model.
     *
     * @param changed elements whose stored value changed (deltas below half an ulp of a weight leave it as is)
     */
    public record Output(double rate, Path dir, TransferPlan plan, long changed) {
    }

    /** What a fuse wrote, and on which example. */
    public record Result(List<Output> outputs, LocateExample example) {
    }

    /** Progress of a fuse. */
    public interface Listener {
        default void note(String message) {
        }

        /** The model of {@code rate} is complete (inside the temporary directory when several rates are written). */
        default void written(double rate, Path dir) {
        }
    }

    /**
     * {@code pkt laten fuse}: H from {@code run}'s checkpoint {@code step} (null: the newest).
     *
     * @param rates one or more transfer rates
     * @param seed  the draw of the example from {@code data}
     */
    public record Request(Path source, Path target, Path run, Integer step, Path data, List<Double> rates, long seed, Path out,
                          boolean force) {
    }

    public static Result fromRun(Request r, ExecutionContext ctx, Listener listener) throws IOException {
        checkRates(r.rates());
        AtomicFiles.checkWritable(r.out(), r.force(), "--force");
        if (!Files.isDirectory(r.run())) {
            throw new java.nio.file.NoSuchFileException(r.run().toString(), null, "run directory not found");
        }
        List<Integer> steps = LatenCheckpoint.steps(r.run());
        if (steps.isEmpty()) {
            throw new java.nio.file.NoSuchFileException(r.run().toString(), null, "holds no checkpoint_<k> (train with pkt laten train first)");
        }
        int step = r.step() == null ? steps.getLast() : r.step();
        Hypernetwork h = LatenCheckpoint.loadHypernetwork(r.run(), step);
        Settings settings = settings(r.run(), new ArrayList<>(h.modules()), listener);
        Pair p = Pair.open(r.source(), r.target());
        checkWidths(h.sourceDim(), h.targetDim(), p, LatenCheckpoint.dir(r.run(), step));
        Drawn drawn = draw(r.data(), p, r.seed());
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("method", "laten");
        provenance.put("run", r.run().toAbsolutePath().toString());
        provenance.put("checkpoint", "checkpoint_" + step);
        Map<String, Object> desc = new LinkedHashMap<>(provenance);
        return fuse(p.source, p.target, KnowledgeMap.of(h, desc), drawn.example, settings, r.rates(),
                drawn.provenance(r.data(), r.seed(), r.source(), r.target(), provenance), r.out(), r.force(), ctx, listener);
    }

    /**
     * The pipeline on open models: locate on {@code example}, then per rate extract, map, fuse and write.
     *
     * @param provenance recorded in each output's {@value #PROVENANCE} (the map's description is added)
     */
    public static Result fuse(Llama source, Llama target, KnowledgeMap map, LocateExample example, Settings settings, List<Double> rates,
                              Map<String, Object> provenance, Path out, boolean force, ExecutionContext ctx, Listener listener)
            throws IOException {
        checkRates(rates);
        Checkpoint template = target.checkpoint();
        if (template == null) {
            throw new IllegalArgumentException("the target was built in memory: fusing writes it in its checkpoint's layout, open it from a "
                    + "Hugging Face model directory");
        }
        List<LocateOptions> options = new ArrayList<>();
        for (double rate : rates) {
            options.add(LatenTrainer.locateOptions(source.config(), target.config(), rate, settings.compat(), settings.mode(),
                    settings.modules(), 0));
        }
        LatenTrainer.larger(source.config(), target.config()).ifPresent(listener::note);
        ExampleScores s = new NeuronAttribution(source, ctx, settings.compat(), settings.mode()).score(example);
        ExampleScores t = new NeuronAttribution(target, ctx, settings.compat(), settings.mode()).score(example);
        List<Output> outputs = new ArrayList<>();
        if (rates.size() == 1) {
            outputs.add(write(source, target, map, s, t, options.getFirst(), provenance, out, force, ctx));
            listener.written(rates.getFirst(), out);
        } else {
            AtomicFiles.writeDirectory(out, force, tmp -> {
                for (LocateOptions o : options) {
                    Path dir = tmp.resolve(rateDir(o.rate()));
                    Output written = write(source, target, map, s, t, o, provenance, dir, false, ctx);
                    outputs.add(new Output(o.rate(), out.resolve(rateDir(o.rate())), written.plan(), written.changed()));
                    listener.written(o.rate(), dir);
                }
            });
        }
        return new Result(outputs, example);
    }

    /** The sub-directory of one rate when several are fused: {@code rate_0.1}, {@code rate_1.0}. */
    public static String rateDir(double rate) {
        return "rate_" + rate;
    }

    private static Output write(Llama source, Llama target, KnowledgeMap map, ExampleScores s, ExampleScores t, LocateOptions o,
                                Map<String, Object> provenance, Path dir, boolean force, ExecutionContext ctx) throws IOException {
        TransferPlan plan = TransferPlan.build(source, Located.of(source.config(), List.of(s), o),
                Located.of(target.config(), List.of(t), o), o.modules());
        Injection injection = Injection.of(plan, target, Injection.translate(ctx, plan, map));
        Map<String, float[]> deltas = injection.denseDeltas();
        Map<String, Tensor> fused = Fusion.fuse(target, deltas);
        long changed = 0;
        for (String name : deltas.keySet()) {
            changed += Fusion.changedElements(fused.get(name), target.tensors().get(name));
        }
        Checkpoint ck = target.checkpoint();
        List<PendingTensor> tensors = new ArrayList<>();
        fused.forEach((name, tensor) -> tensors.add(PendingTensor.of(name, tensor)));
        Map<String, Object> record = record(provenance, map, plan, o, deltas.keySet(), changed);
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path side = Files.createTempFile(parent, "." + PROVENANCE + ".", ".tmp");
        try {
            Files.writeString(side, Json.write(record) + "\n");
            Map<String, Path> sideFiles = new LinkedHashMap<>(CheckpointWriter.sideFiles(ck.dir()));
            sideFiles.put(PROVENANCE, side);
            CheckpointWriter.write(dir, ck.configJson(), tensors, ck.shardOf(), sideFiles, force);
        } finally {
            Files.deleteIfExists(side);
        }
        return new Output(o.rate(), dir, plan, changed);
    }

    private static Map<String, Object> record(Map<String, Object> provenance, KnowledgeMap map, TransferPlan plan, LocateOptions o,
                                              java.util.Set<String> touched, long changed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.putAll(provenance);
        m.put("map", map.describe());
        m.put("rate", o.rate());
        m.put("neurons_per_layer", Map.of("ffn", o.ffnCount(), "attn", o.attnCount()));
        m.put("compat", o.compat().cliName());
        m.put("attribution", o.mode().cliName());
        m.put("modules", o.moduleNames());
        Map<String, Object> pairs = new LinkedHashMap<>();
        for (Module mod : plan.modules()) {
            List<Map<String, Object>> layers = new ArrayList<>();
            for (TransferPlan.Slot s : plan.slots(mod)) {
                layers.add(Map.of("source_layer", s.sourceLayer(), "target_layer", s.targetLayer(),
                        "source_neurons", s.sourceNeurons(), "target_neurons", s.targetNeurons()));
            }
            pairs.put(mod.shortName(), layers);
        }
        m.put("pairs", pairs);
        m.put("changed_tensors", new ArrayList<>(touched));
        m.put("changed_elements", changed);
        m.put("note", "deltas are computed in fp32 and added as round(W + delta) in the stored dtype (one rounding)");
        return m;
    }

    /** compat and attribution from the run's manifest; the modules are the hypernetwork's. */
    private static Settings settings(Path run, List<Module> modules, Listener listener) throws IOException {
        Path manifest = run.resolve(LatenRun.MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            listener.note("no " + manifest + ": locating with --compat reference and exact attribution");
            return new Settings(ReadoutCompat.REFERENCE, AttributionMode.EXACT, modules);
        }
        JsonNode opts = Json.read(manifest).path("options");
        ReadoutCompat compat = ReadoutCompat.parse(opts.path("--compat").asText("reference"));
        AttributionMode mode = AttributionMode.parse(opts.path("--attribution").asText("exact"));
        if (compat == null || mode == null) {
            throw new FormatException(manifest, "options --compat / --attribution are '" + opts.path("--compat").asText() + "' / '"
                    + opts.path("--attribution").asText() + "', expected reference|exact-rmsnorm and exact|fast");
        }
        return new Settings(compat, mode, modules);
    }

    static void checkRates(List<Double> rates) {
        if (rates.isEmpty()) {
            throw new IllegalArgumentException("--rate: expected at least one transfer rate");
        }
        for (double r : rates) {
            if (!(r > 0 && r <= 1)) {
                throw new IllegalArgumentException("--rate: expected transfer rates in (0, 1], got " + r);
            }
        }
        if (rates.stream().distinct().count() != rates.size()) {
            throw new IllegalArgumentException("--rate: the rates " + rates + " repeat one");
        }
    }

    static void checkWidths(int ds, int dt, Pair p, Path where) {
        if (ds != p.source.config().hiddenSize() || dt != p.target.config().hiddenSize()) {
            throw new IllegalArgumentException(where + " maps width " + ds + " to " + dt + ", but the source has hidden size "
                    + p.source.config().hiddenSize() + " and the target " + p.target.config().hiddenSize()
                    + ": it was trained for another model pair");
        }
    }

    /** A source and a target opened for a transfer, with the target's tokenizer (or null). */
    record Pair(ModelFiles sourceFiles, ModelFiles targetFiles, Llama source, Llama target) {
        static Pair open(Path source, Path target) throws IOException {
            ModelFiles sf = ModelFiles.locate(source, null), tf = ModelFiles.locate(target, null);
            if (tf.format() != ModelFiles.Format.HF) {
                throw new IllegalArgumentException("--target: the fused model is written in the target's layout, so it must be a "
                        + "Hugging Face model directory (convert a llama2.c checkpoint with pkt convert)");
            }
            LatenTraining.checkSharedTokenizer(sf, tf);
            Llama s = sf.open(), t = tf.open();
            if (s.config().vocabSize() != t.config().vocabSize()) {
                throw new IllegalArgumentException("the source's vocabulary has " + s.config().vocabSize() + " tokens, the target's "
                        + t.config().vocabSize() + ": parametric knowledge transfer needs models that share one tokenizer");
            }
            return new Pair(sf, tf, s, t);
        }
    }

    /** The example drawn from a data file, with where it came from. */
    record Drawn(LocateExample example, int index) {
        Map<String, Object> provenance(Path data, long seed, Path source, Path target, Map<String, Object> first) {
            Map<String, Object> m = new LinkedHashMap<>(first);
            m.put("source", source.toAbsolutePath().toString());
            m.put("target", target.toAbsolutePath().toString());
            m.put("example", Map.of("data", data.toAbsolutePath().toString(), "index", index, "id", example.id(), "seed", seed,
                    "draw", "random.seed(" + seed + "); random.sample(range(" + "len(data)), 1)",
                    "context_ids", example.contextIds(), "target_id", example.targetId()));
            return m;
        }
    }

    /** {@code random.seed(seed); random.sample(range(len(data)), 1)}, the record made a locate example. */
    static Drawn draw(Path data, Pair p, long seed) throws IOException {
        DataFile file = DataFile.read(data);
        int k = new PythonRandom(seed).sample(file.size(), 1)[0];
        DataFile one = file.isChat() ? new DataFile(file.path(), List.of(file.chat().get(k)), null)
                : new DataFile(file.path(), null, List.of(file.tokens().get(k)));
        Tokenizer tok = null;
        if (one.isChat()) {
            tok = p.targetFiles.loadTokenizer();
            if (tok == null) {
                throw new IllegalArgumentException("chat records need the target's tokenizer, and " + p.targetFiles.path()
                        + " has none (tokenizer.json or tokenizer.bin); give pre-tokenized locate records instead");
            }
        }
        LocateExample ex = LocateExample.fromDataFile(one, tok).getFirst();
        for (int id : ex.contextIds()) {
            if (id >= p.target.config().vocabSize()) {
                throw new FormatException(data, "record " + k + ": id " + id + " is outside the vocabulary [0, "
                        + p.target.config().vocabSize() + ")");
            }
        }
        return new Drawn(ex, k);
    }

    /** The rates of a comma-separated list ({@code 0.1} or {@code 0.1,0.2,0.5}), checked. */
    public static List<Double> parseRates(String list) {
        List<Double> out = new ArrayList<>();
        for (String s : list.split(",")) {
            try {
                out.add(Double.parseDouble(s.strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--rate: '" + s.strip() + "' is not a number (expected e.g. 0.1 or 0.1,0.2,0.5)");
            }
        }
        checkRates(out);
        return out;
    }
}
