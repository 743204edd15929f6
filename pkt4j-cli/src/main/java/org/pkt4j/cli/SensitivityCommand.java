package org.pkt4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pkt4j.attribution.GradientSensitivity;
import org.pkt4j.attribution.Located;
import org.pkt4j.attribution.Sensitivity;
import org.pkt4j.attribution.SensitivityExample;
import org.pkt4j.data.DataFile;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.tokenizer.Tokenizers;
import org.pkt4j.llama.Llama;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "sensitivity", mixinStandardHelpOptions = true,
        description = {"Gradient sensitivity (Post-Align PKT's locate): per-tensor totals of |theta * dL/dtheta| and the layer ranking.",
            "S = sum over examples of |theta * dL/dtheta| for every weight, the loss on the answer tokens (seed",
            "template: BOS, answer + EOS). Writes the per-tensor totals and the layer",
            "ranking to OUT (JSON); with --maps also every weight's elementwise",
            "sensitivity to the .safetensors beside it."})
final class SensitivityCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "Hugging Face model directory")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "F.jsonl", description = "seed examples: chat JSONL (needs the model's tokenizer) or pre-tokenized JSONL")
    Path data;

    @Option(names = "--seed-examples", paramLabel = "N", description = "use the first N records (default: all)")
    Integer examples;

    @Option(names = "--cutoff", paramLabel = "N", defaultValue = "" + SensitivityExample.REFERENCE_CUTOFF,
            description = "truncate examples to N tokens, BOS included (default: ${DEFAULT-VALUE}, the reference's)")
    int cutoff;

    @Option(names = "--keep", paramLabel = "N", description = "also record the top N layers, ascending (e.g. the target's layer count)")
    Integer keep;

    @Option(names = "--maps", description = "write the elementwise maps (as large as the model in fp32)")
    boolean maps;

    @Option(names = "--out", required = true, paramLabel = "S.json", description = "output JSON")
    Path out;

    @Option(names = "--force", description = "overwrite existing outputs")
    boolean force;

    @Mixin
    Threads threads;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (examples != null && examples < 1) {
            throw new UsageException("--seed-examples: expected at least 1, got " + examples);
        }
        if (cutoff < 2) {
            throw new UsageException("--cutoff: expected at least 2 tokens, got " + cutoff);
        }
        AtomicFiles.checkWritable(out, force, "--force");
        if (maps) {
            AtomicFiles.checkWritable(Located.scoresFile(out), force, "--force");
        }
        Llama m = Llama.open(model);
        if (keep != null && (keep < 1 || keep > m.numLayers())) {
            throw new UsageException("--keep: expected 1.." + m.numLayers() + " (the model's layers), got " + keep);
        }
        DataFile file = DataFile.read(data);
        SensitivityExample.Seeds seeds = SensitivityExample.fromDataFile(file, file.isChat() ? Tokenizers.load(model) : null,
                examples == null ? Integer.MAX_VALUE : examples, cutoff, m.config().vocabSize());
        PrintWriter err = spec.commandLine().getErr();
        Sensitivity s = new GradientSensitivity(m, threads.context(), n -> maps).compute(seeds.examples(), (i, n, ex, loss, sec) ->
                err.println(String.format(Locale.ROOT, "pkt sensitivity: example %d/%d  %d tokens  loss %.4f  %.2fs", i + 1, n, ex.ids().length, loss, sec)));
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("pkt4j_version", Version.get());
        extra.put("model", model.toAbsolutePath().toString());
        extra.put("data", data.toAbsolutePath().toString());
        extra.put("cutoff", cutoff);
        extra.put("skipped", seeds.skipped());
        if (keep != null) {
            extra.put("kept_layers", s.keptLayers(keep));
        }
        s.write(out, maps, extra, force);
        PrintWriter o = spec.commandLine().getOut();
        o.println("layers by sensitivity " + Arrays.toString(s.layerOrder()) + (keep != null ? ", kept " + Arrays.toString(s.keptLayers(keep)) : ""));
        o.println("wrote " + out + (maps ? " and " + Located.scoresFile(out) : ""));
        return ExitCodes.OK;
    }
}
