package org.pkt4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.pkt4j.demo.PretrainConfig;
import org.pkt4j.demo.Pretrainer;
import org.pkt4j.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = {"Train a Llama from scratch on the demo corpus, as a pkt4j-pretrain/1 config says.",
            "The demo's configs: models/demo/source.pretrain.json, target.pretrain.json. Writes an HF",
            "directory: config.json, weights in the configured dtype, tokenizer files,",
            "loss.jsonl, pretrain.json and a model card README.md. The run state lives in",
            "OUT.run/ until the model is written, so an interrupted run resumes."})
final class PretrainCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "CONFIG.json", description = "pretraining config (format pkt4j-pretrain/1)")
    Path config;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output model directory")
    Path out;

    @Option(names = "--resume", description = "continue the interrupted run of OUT (OUT.run/) from its last checkpoint")
    boolean resume;

    @Option(names = "--force", description = "start over, replacing OUT and any interrupted run")
    boolean force;

    @Option(names = "--no-eval", description = "skip scoring the model on the demo test splits (the card then has no accuracies)")
    boolean noEval;

    @Mixin
    Threads threads;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (resume && force) {
            throw new UsageException("--resume and --force exclude each other");
        }
        PretrainConfig cfg = PretrainConfig.read(config);
        PrintWriter err = spec.commandLine().getErr();
        int logEvery = cfg.train().logEvery();
        Trainer.Listener progress = new Trainer.Listener() {
            @Override
            public void onStep(Trainer.Progress p) {
                if (p.step() == 1 || p.step() % logEvery == 0 || p.step() == p.totalSteps()) {
                    err.println(FinetuneCommand.progressLine(p));
                }
            }

            @Override
            public void onValidation(long step, double loss) {
                err.printf(Locale.ROOT, "step %d  validation loss %.4f%n", step, loss);
            }
        };
        Pretrainer.Result r = Pretrainer.run(cfg, out, new Pretrainer.Options(resume, force, !noEval, Long.MAX_VALUE),
                threads.context(), note -> err.println("pkt pretrain: " + note), progress);
        spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s (%d steps in %.1f min, %.0f tokens/s; loss %.3f, validation %.3f)%n",
                r.out(), r.training().steps(), r.training().seconds() / 60, r.training().tokens() / r.training().seconds(),
                r.finalTrainLoss(), r.finalValidationLoss());
        return ExitCodes.OK;
    }
}
