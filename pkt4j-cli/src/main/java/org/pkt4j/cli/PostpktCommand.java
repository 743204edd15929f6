package org.pkt4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pkt4j.data.TokenizedExample;
import org.pkt4j.io.Json;
import org.pkt4j.io.hf.HfConfig;
import org.pkt4j.postalign.PostAlignPlan;
import org.pkt4j.postalign.PostPkt;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "postpkt", mixinStandardHelpOptions = true,
        description = {"Post-Align PKT (Seeking Neural Nuggets): sensitivity windows of the source, SVD-initialised LoRA on the target, fine-tuning, merge.",
            "The source's gradient sensitivity on seed examples picks, for every target module, the most sensitive source",
            "window; its rank-R SVD initialises a LoRA on the target (whose base gets",
            "-B0·A0, so training starts from the target itself); the LoRA is fine-tuned",
            "on the task data and merged.",
            "Writes RUN/extracted (PEFT), RUN/adapter (PEFT; applies to the target minus",
            "B0·A0), RUN/merged (HF: the target's names, dtype, sharding; a tied target",
            "is written untied when its LM head was adapted), RUN/manifest.json and",
            "RUN/log.jsonl.",
            "Seeds: the first --seed-examples records of --seed-data, else the first 32",
            "of --data."})
final class PostpktCommand implements Callable<Integer> {

    @Option(names = "--source", required = true, paramLabel = "S", description = "the larger model (Hugging Face directory)")
    Path source;

    @Option(names = "--target", required = true, paramLabel = "T", description = "the smaller model, sharing the source's vocabulary")
    Path target;

    @Option(names = "--data", required = true, paramLabel = "F.jsonl", description = "task data: chat JSONL or pre-tokenized JSONL (input_ids, labels)")
    Path data;

    @Option(names = "--seed-data", paramLabel = "F2.jsonl", description = "seed examples for the sensitivity (default: --data)")
    Path seedData;

    @Option(names = "--seed-examples", paramLabel = "N", description = "seed records to use (default: all of --seed-data, or the first 32 of --data)")
    Integer seedExamples;

    @Option(names = "--rank", paramLabel = "R", defaultValue = "16", description = "SVD and LoRA rank; alpha = R (default: ${DEFAULT-VALUE})")
    int rank;

    @Option(names = "--no-embed", description = "leave embed_tokens and lm_head out (the reference includes them)")
    boolean noEmbed;

    @Option(names = "--epochs", paramLabel = "E", defaultValue = "3", description = "fine-tuning passes (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "3e-4", description = "peak learning rate, linear decay after 3%% warm-up (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "64", description = "sequences per optimizer step (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--cutoff", paramLabel = "N", defaultValue = "2048", description = "maximum sequence length, seeds and task data (default: ${DEFAULT-VALUE})")
    int cutoff;

    @Option(names = "--dropout", paramLabel = "P", defaultValue = "0.05", description = "LoRA dropout (default: ${DEFAULT-VALUE})")
    double dropout;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "data order, dropout and randomized SVD (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--compat", paramLabel = "exact|reference", defaultValue = "exact",
            description = "masking of chat task records: exact (the Post-Align reference's) or reference (LaTen's, also masks the first answer token) (default: ${DEFAULT-VALUE})")
    String compat;

    @Option(names = "--from-extracted", paramLabel = "DIR", description = "skip the extraction: fine-tune from this extracted PEFT adapter (e.g. an earlier RUN/extracted)")
    Path fromExtracted;

    @Option(names = "--extract-only", description = "stop after RUN/extracted")
    boolean extractOnly;

    @Option(names = "--out", required = true, paramLabel = "RUN", description = "run directory")
    Path out;

    @Option(names = "--force", description = "replace the outputs of an existing run in --out")
    boolean force;

    @Option(names = "--json", description = "print a JSON summary on stdout")
    boolean json;

    @Mixin
    Threads threads;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PostPkt.Options o = options();
        if (fromExtracted == null) {
            try {
                PostAlignPlan.validate(HfConfig.read(source.resolve("config.json")), HfConfig.read(target.resolve("config.json")),
                        new PostAlignPlan.Options(rank, !noEmbed, seed));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        long[] lastPrint = {0};
        PostPkt.Result r = PostPkt.run(o, threads.context(), Map.of("pkt4j_version", Version.get()), note -> err.println("pkt postpkt: " + note),
                p -> {
                    long now = System.nanoTime();
                    if (p.step() == 1 || p.step() == p.totalSteps() || now - lastPrint[0] > 2_000_000_000L) {
                        lastPrint[0] = now;
                        err.println(FinetuneCommand.progressLine(p));
                    }
                });
        PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("extracted", r.extracted().toString());
            s.put("adapter", r.adapter() == null ? null : r.adapter().toString());
            s.put("merged", r.merged() == null ? null : r.merged().toString());
            s.put("kept_layers", r.plan() == null ? null : r.plan().keptLayers());
            s.put("steps", r.training() == null ? 0 : r.training().steps());
            s.put("final_loss", r.training() == null ? null : r.training().lastLoss());
            s.put("timings_s", r.timings());
            stdout.println(Json.writeLine(s));
        } else if (r.training() == null) {
            stdout.printf("wrote %s%n", r.extracted());
        } else {
            stdout.printf(Locale.ROOT, "wrote %s, %s and %s (%d steps, final loss %.4f)%n", r.extracted(), r.adapter(), r.merged(),
                    r.training().steps(), r.training().lastLoss());
        }
        return ExitCodes.OK;
    }

    PostPkt.Options options() {
        TokenizedExample.Compat c = switch (compat.toLowerCase(Locale.ROOT)) {
            case "reference" -> TokenizedExample.Compat.REFERENCE;
            case "exact" -> TokenizedExample.Compat.EXACT;
            default -> throw new UsageException("--compat: expected exact or reference, got " + compat);
        };
        try {
            return new PostPkt.Options(source, target, data, seedData, seedExamples, rank, !noEmbed, epochs, lr, batch, cutoff, dropout, seed, c,
                    fromExtracted, extractOnly, out, force);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
