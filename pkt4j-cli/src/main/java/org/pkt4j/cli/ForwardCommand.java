package org.pkt4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.ModelFiles;
import org.pkt4j.io.safetensors.SafetensorsWriter;
import org.pkt4j.llama.Activations;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.ForwardTrace;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.train.CausalLmLoss;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Run the model on token ids and write logits (and optionally hidden states and loss) to safetensors.")
final class ForwardCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "Hugging Face model directory, or llama2.c .bin checkpoint")
    Path model;

    @Option(names = "--ids", required = true, paramLabel = "I", converter = Ids.Parser.class, description = "comma-separated token ids")
    Ids idsOption;

    @Option(names = "--out", required = true, paramLabel = "F.safetensors", description = "output file")
    Path out;

    @Option(names = "--hidden", description = "also write hidden [L+1, T, d]: the residual stream entering each layer, last = before the final norm")
    boolean hidden;

    @Option(names = "--labels", paramLabel = "L", converter = Ids.Parser.class, description = "labels (-100 = ignored) to compute the causal-LM loss")
    Ids labelsOption;

    @Option(names = "--force", description = "overwrite --out if it exists")
    boolean force;

    @Mixin
    Threads threads;

    @Override
    public Integer call() throws Exception {
        int[] ids = idsOption.values();
        int[] labels = labelsOption == null ? null : labelsOption.values();
        AtomicFiles.checkWritable(out, force, "--force");
        if (labels != null && labels.length != ids.length) {
            throw new UsageException("--labels: expected " + ids.length + " labels (one per id), got " + labels.length);
        }
        Llama m = ModelFiles.open(model);
        LlamaConfig c = m.config();
        idsOption.checkVocabulary("--ids", c.vocabSize(), false);
        if (labelsOption != null) {
            labelsOption.checkVocabulary("--labels", c.vocabSize(), true);
        }
        Activations store = new Activations(c, ids);
        float[] logits = new LlamaForward(m, threads.context()).forward(ids, store.cache, Adapters.NONE, ForwardTrace.NONE, store, null);
        List<Tensor> outs = new ArrayList<>();
        outs.add(Tensor.ofFloats("logits", logits, ids.length, c.vocabSize()));
        if (hidden) {
            int td = ids.length * c.hiddenSize();
            float[] h = new float[(c.numLayers() + 1) * td];
            for (int l = 0; l < c.numLayers(); l++) {
                System.arraycopy(store.layerInput[l], 0, h, l * td, td);
            }
            System.arraycopy(store.finalHidden, 0, h, c.numLayers() * td, td);
            outs.add(Tensor.ofFloats("hidden", h, c.numLayers() + 1, ids.length, c.hiddenSize()));
        }
        if (labels != null) {
            outs.add(Tensor.ofFloats("loss", new float[] {(float) CausalLmLoss.loss(logits, labels, c.vocabSize())}));
        }
        SafetensorsWriter.write(out, outs, Map.of("format", "pt", "producer", "pkt4j forward"));
        return ExitCodes.OK;
    }
}
