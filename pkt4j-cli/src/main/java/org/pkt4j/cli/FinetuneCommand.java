package org.pkt4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pkt4j.data.TokenizedExample;
import org.pkt4j.io.Json;
import org.pkt4j.train.FineTuning;
import org.pkt4j.train.Trainer;
import org.pkt4j.llama.Llama;
import org.pkt4j.train.lora.Lora;
import org.pkt4j.train.lora.LoraConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {"Fine-tune a model on chat or pre-tokenized JSONL, with LoRA or all weights.",
            "Writes OUT/adapter (PEFT layout; OUT/merged with --merge) or OUT/model (HF, the base's names, dtype and sharding),",
            "plus OUT/manifest.json, OUT/loss.jsonl and OUT/checkpoints (resumable with --resume)."})
final class FinetuneCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "Hugging Face model directory")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "F.jsonl", description = "chat JSONL (PKT-SPEC §1) or pre-tokenized JSONL (input_ids, labels)")
    Path data;

    static final class Method {
        @Option(names = "--lora-rank", paramLabel = "R", description = "train LoRA adapters of rank R")
        Integer loraRank;

        @Option(names = "--full", description = "train every weight (fp32 master copies)")
        boolean full;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Method method;

    @Option(names = "--lora-alpha", paramLabel = "A", description = "LoRA alpha; scaling alpha/r (default: r, scaling 1)")
    Double loraAlpha;

    @Option(names = "--lora-dropout", paramLabel = "P", description = "dropout on the LoRA input (default: ${DEFAULT-VALUE})", defaultValue = "0.05")
    double loraDropout;

    @Option(names = "--lora-targets", paramLabel = "q,v,...", description = "modules: q,k,v,o,gate,up,down,embed_tokens,lm_head or all (default: ${DEFAULT-VALUE})",
            defaultValue = "q,v")
    String loraTargets;

    @Option(names = "--epochs", required = true, paramLabel = "E", description = "passes over the data")
    int epochs;

    @Option(names = "--lr", required = true, paramLabel = "LR", description = "peak learning rate (AdamW)")
    double lr;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "8", description = "sequences per optimizer step, accumulated one at a time (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--cutoff", paramLabel = "N", defaultValue = "768", description = "maximum sequence length; longer ones are truncated (default: ${DEFAULT-VALUE})")
    int cutoff;

    @Option(names = "--train-on-inputs", description = "score the prompt tokens too")
    boolean trainOnInputs;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "data order, LoRA init and dropout (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--schedule", paramLabel = "constant|linear|cosine|onecycle", defaultValue = "linear",
            description = "learning-rate schedule (default: ${DEFAULT-VALUE}, Hugging Face's)")
    String schedule;

    @Option(names = "--warmup-ratio", paramLabel = "F", defaultValue = "0", description = "fraction of steps of warm-up (one-cycle: pct_start) (default: ${DEFAULT-VALUE})")
    double warmupRatio;

    @Option(names = "--weight-decay", paramLabel = "WD", defaultValue = "0", description = "AdamW decoupled weight decay (default: ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--max-grad-norm", paramLabel = "N", defaultValue = "1.0", description = "global gradient-norm clipping, 0 for none (default: ${DEFAULT-VALUE})")
    double maxGradNorm;

    @Option(names = "--compat", paramLabel = "reference|exact", defaultValue = "reference",
            description = "label masking of chat records: reference also masks the first answer token (default: ${DEFAULT-VALUE})")
    String compat;

    @Option(names = "--checkpoint-every", paramLabel = "STEPS", defaultValue = "50", description = "steps between checkpoints (default: ${DEFAULT-VALUE})")
    int checkpointEvery;

    @Option(names = "--merge", description = "with LoRA, also write the merged model to OUT/merged")
    boolean merge;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "run directory")
    Path out;

    @Option(names = "--resume", description = "continue the run in --out from its last checkpoint")
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
        FineTuning.Options o = options();
        if (o.lora() != null) {
            try {
                Lora.validate(Llama.open(model), o.lora());
            } catch (IllegalArgumentException e) {
                throw new UsageException("--lora-rank: " + e.getMessage());
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        long[] lastPrint = {0};
        FineTuning.Result r = FineTuning.run(o, threads.context(), note -> err.println("pkt finetune: " + note), p -> {
            long now = System.nanoTime();
            if (p.step() == 1 || p.step() == p.totalSteps() || now - lastPrint[0] > 2_000_000_000L) {
                lastPrint[0] = now;
                err.println(progressLine(p));
            }
        });
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("steps", r.training().steps());
            s.put("resumed_from", r.training().startStep());
            s.put("final_loss", r.training().lastLoss());
            s.put("examples", r.data().examples().size());
            s.put("truncated", r.data().truncated());
            s.put("skipped", r.data().skipped());
            s.put("output", r.output().toString());
            s.put("merged", r.merged() == null ? null : r.merged().toString());
            s.put("seconds", r.training().seconds());
            out.println(Json.writeLine(s));
        } else {
            out.printf("wrote %s%s (%d steps, final loss %.4f)%n", r.output(), r.merged() != null ? " and " + r.merged() : "",
                    r.training().steps(), r.training().lastLoss());
        }
        return ExitCodes.OK;
    }

    FineTuning.Options options() {
        if (epochs < 1) {
            throw new UsageException("--epochs: expected at least 1, got " + epochs);
        }
        if (batch < 1) {
            throw new UsageException("--batch: expected at least 1, got " + batch);
        }
        if (!(lr > 0) || !Double.isFinite(lr)) {
            throw new UsageException("--lr: expected a positive number, got " + lr);
        }
        if (cutoff < 2) {
            throw new UsageException("--cutoff: expected at least 2 tokens, got " + cutoff);
        }
        if (!(maxGradNorm >= 0)) {
            throw new UsageException("--max-grad-norm: expected >= 0 (0 for no clipping), got " + maxGradNorm);
        }
        if (checkpointEvery < 0) {
            throw new UsageException("--checkpoint-every: expected >= 0, got " + checkpointEvery);
        }
        if (resume && force) {
            throw new UsageException("--resume and --force exclude each other");
        }
        FineTuning.Schedule sched = switch (schedule.toLowerCase(Locale.ROOT)) {
            case "constant" -> FineTuning.Schedule.CONSTANT;
            case "linear" -> FineTuning.Schedule.LINEAR;
            case "cosine" -> FineTuning.Schedule.COSINE;
            case "onecycle", "one-cycle" -> FineTuning.Schedule.ONECYCLE;
            default -> throw new UsageException("--schedule: expected constant, linear, cosine or onecycle, got " + schedule);
        };
        TokenizedExample.Compat c = switch (compat.toLowerCase(Locale.ROOT)) {
            case "reference" -> TokenizedExample.Compat.REFERENCE;
            case "exact" -> TokenizedExample.Compat.EXACT;
            default -> throw new UsageException("--compat: expected reference or exact, got " + compat);
        };
        LoraConfig lora = null;
        if (method.loraRank != null) {
            if (method.loraRank < 1) {
                throw new UsageException("--lora-rank: expected at least 1, got " + method.loraRank);
            }
            try {
                lora = new LoraConfig(method.loraRank, loraAlpha == null ? method.loraRank : loraAlpha, loraDropout,
                        LoraConfig.parseTargets(loraTargets), false);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage().startsWith("unknown LoRA target") || e.getMessage().startsWith("no LoRA target")
                        ? "--lora-targets: " + e.getMessage() : e.getMessage());
            }
        } else if (loraAlpha != null || merge || spec.commandLine().getParseResult().hasMatchedOption("--lora-targets")
                || spec.commandLine().getParseResult().hasMatchedOption("--lora-dropout")) {
            throw new UsageException("--lora-alpha, --lora-dropout, --lora-targets and --merge need --lora-rank (not --full)");
        }
        try {
            return new FineTuning.Options(model, data, out, lora, epochs, lr, batch, cutoff, trainOnInputs, seed, sched, warmupRatio,
                    weightDecay, maxGradNorm == 0 ? Double.POSITIVE_INFINITY : maxGradNorm, c, checkpointEvery, merge, resume, force);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static String progressLine(Trainer.Progress p) {
        return String.format(Locale.ROOT, "step %d/%d  epoch %d  loss %.4f  lr %.2e  |g| %.3g  %.0f tok/s  ETA %s",
                p.step(), p.totalSteps(), p.epoch() + 1, p.loss(), p.lr(), p.gradNorm(), p.tokensPerSecond(), duration(p.etaSeconds()));
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
