package org.pkt4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.pkt4j.attribution.AttributionMode;
import org.pkt4j.attribution.ExampleScores;
import org.pkt4j.attribution.LocateExample;
import org.pkt4j.attribution.LocateOptions;
import org.pkt4j.attribution.LocateProgress;
import org.pkt4j.attribution.Located;
import org.pkt4j.attribution.NeuronAttribution;
import org.pkt4j.attribution.ReadoutCompat;
import org.pkt4j.data.DataFile;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.tokenizer.Tokenizers;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.ExecutionContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "locate", mixinStandardHelpOptions = true,
        description = "Static neuron attribution (LaTen's locate): layer and neuron scores, kept layers and selected "
                + "neurons, written to located.json + located.safetensors.")
final class LocateCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "Hugging Face model directory")
    Path model;

    @Option(names = "--data", paramLabel = "F.jsonl", description = "chat JSONL (needs the model's tokenizer) or locate records {context_ids, target_id}")
    Path data;

    @Option(names = "--example", paramLabel = "K", description = "the record to locate on (0-based); default: one drawn with --seed")
    Integer example;

    @Option(names = "--all", description = "locate on every record (scores summed as the reference does)")
    boolean all;

    @Option(names = "--ids", paramLabel = "I", converter = Ids.Parser.class, description = "context ids (comma-separated), instead of --data")
    Ids ids;

    @Option(names = "--target-id", paramLabel = "Y", description = "the predicted id y, with --ids")
    Integer targetId;

    @Option(names = "--rate", required = true, paramLabel = "R", description = "transfer rate in (0, 1]: floor(f·R) FFN and floor(d·R) attention neurons per kept layer")
    double rate;

    @Option(names = "--layers", paramLabel = "N", description = "layers to keep (default: the target's layer count, or this model's)")
    Integer layers;

    @Option(names = "--target", paramLabel = "TARGET", description = "size the selection for a transfer into this model (its layer count, f and d); its weights are not read")
    Path target;

    @Option(names = "--compat", paramLabel = "MODE", defaultValue = "reference", description = "readout scale: reference (default) or exact-rmsnorm")
    String compat;

    @Option(names = "--attribution", paramLabel = "MODE", defaultValue = "exact", description = "exact (default) or fast (first-order linearisation)")
    String attribution;

    @Option(names = "--modules", paramLabel = "M", description = "modules to extract later (default up,down,v,o; up,down,o with grouped-query attention)")
    String modules;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "seed of the example draw (default 0)")
    long seed;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "" + NeuronAttribution.DEFAULT_BATCH,
            description = "examples sharing one pass of the vocabulary projections (memory grows with it)")
    int batch;

    @Option(names = "--out", required = true, paramLabel = "located.json", description = "output JSON; the scores go to the .safetensors beside it")
    Path out;

    @Option(names = "--force", description = "overwrite existing outputs")
    boolean force;

    @Mixin
    Threads threads;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        checkFlags();
        AtomicFiles.checkWritable(out, force, "--force");
        AtomicFiles.checkWritable(Located.scoresFile(out), force, "--force");
        Llama m = Llama.open(model);
        LlamaConfig c = m.config();
        LlamaConfig t = target == null ? c : Llama.open(target).config();
        if (t.vocabSize() != c.vocabSize()) {
            throw new UsageException("--target: vocabulary " + t.vocabSize() + " != the model's " + c.vocabSize()
                    + "; parametric knowledge transfer needs models that share one tokenizer");
        }
        LocateOptions options;
        try {
            List<Module> mods = modules == null ? null : parseModules(modules);
            options = LocateOptions.forTarget(t, rate, ReadoutCompat.parse(compat), AttributionMode.parse(attribution), mods, seed, c);
            if (layers != null) {
                options = options.withLayers(layers);
            }
            options.checkModel(c, "model " + model);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("model", model.toString());
        if (target != null) {
            provenance.put("target_model", target.toString());
        }
        List<LocateExample> examples = examples(provenance);
        PrintWriter err = spec.commandLine().getErr();
        ExecutionContext ctx = threads.context();
        List<ExampleScores> scores = new NeuronAttribution(m, ctx, options.compat(), options.mode(), batch)
                .score(examples, new Progress(err));
        Located located = Located.of(c, scores, options);
        located.write(out, force, provenance);
        PrintWriter o = spec.commandLine().getOut();
        o.println("kept attention layers " + Arrays.toString(located.keptAttn()) + ", FFN layers " + Arrays.toString(located.keptFfn())
                + "; " + options.ffnCount() + " FFN and " + options.attnCount() + " attention neurons per layer ("
                + options.mode().description() + ")");
        o.println("wrote " + out + " and " + Located.scoresFile(out));
        return ExitCodes.OK;
    }

    private void checkFlags() {
        if ((data == null) == (ids == null)) {
            throw new UsageException("give exactly one of --data F.jsonl or --ids I --target-id Y");
        }
        if (ids != null && targetId == null) {
            throw new UsageException("--ids needs --target-id Y (the predicted id)");
        }
        if (ids == null && targetId != null) {
            throw new UsageException("--target-id goes with --ids, not --data");
        }
        if (ids != null && (example != null || all)) {
            throw new UsageException("--example and --all choose records of --data, not --ids");
        }
        if (example != null && all) {
            throw new UsageException("give --example K or --all, not both");
        }
        if (!(rate > 0 && rate <= 1)) {
            throw new UsageException("--rate: expected a transfer rate in (0, 1], got " + rate);
        }
        if (ReadoutCompat.parse(compat) == null) {
            throw new UsageException("--compat: expected reference or exact-rmsnorm, got '" + compat + "'");
        }
        if (AttributionMode.parse(attribution) == null) {
            throw new UsageException("--attribution: expected exact or fast, got '" + attribution + "'");
        }
        if (batch < 1) {
            throw new UsageException("--batch: expected at least 1, got " + batch);
        }
        if (ids != null) {
            for (int id : ids.values()) {
                if (id < 0) {
                    throw new UsageException("--ids: expected non-negative token ids, got " + id);
                }
            }
        }
    }

    private static List<Module> parseModules(String list) {
        List<Module> out = new ArrayList<>();
        for (String s : list.split(",")) {
            Module m = Module.parse(s);
            if (m == null || !(m == Module.UP || m == Module.DOWN || m == Module.V || m == Module.O)) {
                throw new IllegalArgumentException("--modules: '" + s.strip() + "' is not one of up, down, v, o");
            }
            out.add(m);
        }
        return out;
    }

    /** The examples the flags name, recording the choice in {@code provenance}. */
    private List<LocateExample> examples(Map<String, Object> provenance) throws Exception {
        if (ids != null) {
            provenance.put("examples", "ids");
            return List.of(new LocateExample("ids", ids.values(), targetId));
        }
        DataFile file = DataFile.read(data);
        provenance.put("data", data.toString());
        if (all) {
            LocateExample.checkDataFile(file);
            provenance.put("examples", "all");
            return LocateExample.fromDataFile(file, file.isChat() ? Tokenizers.load(model) : null);
        }
        int k;
        if (example != null) {
            if (example < 0 || example >= file.size()) {
                throw new UsageException("--example: expected 0.." + (file.size() - 1) + " (" + data + " has " + file.size()
                        + " records), got " + example);
            }
            k = example;
            provenance.put("examples", "index " + k);
        } else {
            // one record drawn with the seed, as the fuse step locates on one seeded example
            k = new SplittableRandom(seed).nextInt(file.size());
            provenance.put("examples", "index " + k + ", drawn with seed " + seed);
        }
        DataFile one = file.isChat() ? new DataFile(file.path(), List.of(file.chat().get(k)), null)
                : new DataFile(file.path(), null, List.of(file.tokens().get(k)));
        LocateExample.checkDataFile(one);
        return LocateExample.fromDataFile(one, one.isChat() ? Tokenizers.load(model) : null);
    }

    /** Plain progress lines on stderr: each traced example, then each scored layer, with examples/s. */
    private static final class Progress implements LocateProgress {
        private final PrintWriter err;
        private final long start = System.nanoTime();

        Progress(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void traced(int done, int total) {
            err.printf("locate: traced example %d/%d (%.2f examples/s)%n", done, total, done / seconds());
            err.flush();
        }

        @Override
        public void scored(int layer, int layers, int from, int to, int total) {
            // examples count as finished in proportion to the layers scored of their batch
            double done = from + (double) (to - from) * layer / layers;
            double rate = done / seconds();
            err.printf("locate: layer %d/%d scored for examples %d-%d of %d (%.3f examples/s, ETA %.0f s)%n",
                    layer, layers, from + 1, to, total, rate, (total - done) / rate);
            err.flush();
        }

        private double seconds() {
            return Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        }
    }
}
