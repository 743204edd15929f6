package org.pkt4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pkt4j.attribution.AttributionMode;
import org.pkt4j.attribution.LocateOptions;
import org.pkt4j.attribution.ReadoutCompat;
import org.pkt4j.io.Json;
import org.pkt4j.io.ModelFiles;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.Module;
import org.pkt4j.transfer.LatenOptions;
import org.pkt4j.transfer.LatenRun;
import org.pkt4j.transfer.LatenTrainer;
import org.pkt4j.transfer.LatenTraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train LaTen's hypernetwork (PKT-SPEC §4): one step per extract example (locate S and T on it, 15 align "
                + "examples + it as micro-batches, AdamW with the one-cycle schedule).",
            "Writes RUN/manifest.json, RUN/log.jsonl, RUN/checkpoint_<k>/ (H after step k) and RUN/attribution/; resumable with --resume."})
final class LatenTrainCommand implements Callable<Integer> {

    @Option(names = "--source", required = true, paramLabel = "S", description = "source model (the larger one): HF directory or llama2.c .bin")
    Path source;

    @Option(names = "--target", required = true, paramLabel = "T", description = "target model (the smaller one), sharing the source's tokenizer")
    Path target;

    @Option(names = "--extract-data", required = true, paramLabel = "X.jsonl",
            description = "chat JSONL, one step per record (or pre-tokenized records with context_ids + target_id and input_ids + labels)")
    Path extractData;

    @Option(names = "--align-data", required = true, paramLabel = "Y.jsonl", description = "chat JSONL or pre-tokenized input_ids + labels; 15 drawn per step")
    Path alignData;

    @Option(names = "--out", required = true, paramLabel = "RUN", description = "run directory")
    Path out;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "3e-4", description = "max learning rate of the one-cycle schedule (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--rate", paramLabel = "R", defaultValue = "0.1", description = "transfer rate: floor(f_t·R) FFN and floor(d_t·R) attention neurons per kept layer (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "hypernetwork initialisation (default: ${DEFAULT-VALUE}); step k draws its align examples with Python's random.seed(k)")
    long seed;

    @Option(names = "--cutoff", paramLabel = "N", defaultValue = "768", description = "maximum sequence length, longer ones are truncated; nothing is padded (default: ${DEFAULT-VALUE})")
    int cutoff;

    @Option(names = "--train-on-inputs", description = "score the prompt tokens too (the reference does for MMLU)")
    boolean trainOnInputs;

    @Option(names = "--compat", paramLabel = "MODE", defaultValue = "reference",
            description = "reference (default): the reference's readout scale and label mask (prompt + 1 token); exact-rmsnorm: the true RMSNorm readout and the exact prompt mask")
    String compat;

    @Option(names = "--attribution", paramLabel = "MODE", defaultValue = "exact", description = "exact (default) or fast (first-order, approximate) neuron scores")
    String attribution;

    @Option(names = "--modules", paramLabel = "M", description = "modules to transfer (default up,down,v,o; up,down,o when either model uses grouped-query attention)")
    String modules;

    @Option(names = "--steps", paramLabel = "N", description = "use the first N extract examples (steps and schedule length N; the alignment-step ablation)")
    Integer steps;

    @Option(names = "--resume", description = "continue the run in --out from its newest checkpoint (same options and inputs)")
    boolean resume;

    @Option(names = "--force", description = "start over in an existing --out")
    boolean force;

    @Option(names = "--json", description = "print a JSON summary on stdout")
    boolean json;

    @Mixin
    Threads threads;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        LatenOptions o = options();
        if (resume && force) {
            throw new UsageException("--resume and --force exclude each other");
        }
        checkRates(target, List.of(o.rate()), o.modules());
        PrintWriter err = spec.commandLine().getErr();
        LatenRun.Mode mode = resume ? LatenRun.Mode.RESUME : force ? LatenRun.Mode.FORCE : LatenRun.Mode.FRESH;
        LatenTrainer.Result r = LatenTraining.run(new LatenTraining.Request(source, target, extractData, alignData, out, o, mode,
                Version.get()), threads.context(), new Progress(err));
        PrintWriter stdout = spec.commandLine().getOut();
        int last = r.steps() - 1;
        if (json) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("run", out.toString());
            s.put("steps", r.steps());
            s.put("resumed_from_step", r.startStep());
            s.put("last_checkpoint", "checkpoint_" + last);
            s.put("final_lm_loss", r.log().isEmpty() ? null : r.log().getLast().lmLoss());
            s.put("score_seconds", r.scoreSeconds());
            s.put("seconds", r.seconds());
            stdout.println(Json.writeLine(s));
        } else {
            stdout.printf(Locale.ROOT, "wrote %s: %d steps, hypernetwork checkpoints checkpoint_0 .. checkpoint_%d%s%n", out, r.steps(), last,
                    r.log().isEmpty() ? "" : String.format(Locale.ROOT, " (last step: lm loss %.4f, unedited %.4f)",
                            r.log().getLast().lmLoss(), r.log().getLast().uneditedLoss()));
        }
        return ExitCodes.OK;
    }

    LatenOptions options() {
        ReadoutCompat c = ReadoutCompat.parse(compat);
        if (c == null) {
            throw new UsageException("--compat: expected reference or exact-rmsnorm, got '" + compat + "'");
        }
        AttributionMode a = AttributionMode.parse(attribution);
        if (a == null) {
            throw new UsageException("--attribution: expected exact or fast, got '" + attribution + "'");
        }
        try {
            return new LatenOptions(lr, rate, seed, cutoff, trainOnInputs, c, a, modules == null ? null : parseModules(modules), steps, 15);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** A rate that selects no neuron of the target (or modules the target cannot take) is a usage error. */
    static void checkRates(Path target, List<Double> rates, List<Module> modules) throws java.io.IOException {
        LlamaConfig t = ModelFiles.open(target).config();
        for (double r : rates) {
            try {
                LocateOptions.forTarget(t, r, ReadoutCompat.REFERENCE, AttributionMode.EXACT, modules, 0);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
    }

    static List<Module> parseModules(String list) {
        List<Module> out = new ArrayList<>();
        for (String s : list.split(",")) {
            Module m = Module.parse(s);
            if (m == null || !(m == Module.UP || m == Module.DOWN || m == Module.V || m == Module.O)) {
                throw new UsageException("--modules: '" + s.strip() + "' is not one of up, down, v, o");
            }
            out.add(m);
        }
        return out;
    }

    /** Plain progress lines on stderr. */
    private static final class Progress implements LatenTrainer.Listener {
        private final PrintWriter err;
        private final long start = System.nanoTime();

        Progress(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void note(String message) {
            err.println("pkt laten train: " + message);
            err.flush();
        }

        @Override
        public void scoring(String model, int done, int total) {
            err.printf(Locale.ROOT, "pkt laten train: attribution of the %s on %d/%d extract examples (%.1f s)%n", model, done, total,
                    (System.nanoTime() - start) / 1e9);
            err.flush();
        }

        @Override
        public void step(LatenTrainer.Step s) {
            LatenTrainer.Phases p = s.phases();
            double eta = s.seconds() * (s.steps() - s.step() - 1);
            err.printf(Locale.ROOT, "step %d/%d  %s  lm %.4f (unedited %.4f)  mse %.3g  lr %.3g  beta1 %.3f  %.2f s "
                            + "(locate %.2f, forward %.2f, backward %.2f, optimizer %.2f, unedited %.2f, checkpoint %.2f)  ETA %s%n",
                    s.step() + 1, s.steps(), s.example(), s.lmLoss(), s.uneditedLoss(), s.mse(), s.lr(), s.beta1(), s.seconds(),
                    p.locate(), p.forward(), p.backward(), p.optimizer(), p.unedited(), p.checkpoint(), FinetuneCommand.duration(eta));
            err.flush();
        }
    }
}
