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
import org.pkt4j.llama.Gradients;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaBackward;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.train.CausalLmLoss;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Run the model on token ids and write logits (and optionally hidden states, loss and gradients) to safetensors.")
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

    @Option(names = "--grad", description = "with --labels: also write grad.<tensor name> = d loss / d weight for every weight (F32)")
    boolean grad;

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
        if (grad && labels == null) {
            throw new UsageException("--grad needs --labels (the gradient is that of the causal-LM loss)");
        }
        Llama m = ModelFiles.open(model);
        LlamaConfig c = m.config();
        idsOption.checkVocabulary("--ids", c.vocabSize(), false);
        if (labelsOption != null) {
            labelsOption.checkVocabulary("--labels", c.vocabSize(), true);
        }
        LlamaBackward backward = grad ? new LlamaBackward(new LlamaForward(m, threads.context()), ids.length) : null;
        Activations store = grad ? backward.activations() : new Activations(c, ids);
        LlamaForward forward = grad ? backward.forward() : new LlamaForward(m, threads.context());
        float[] logits = forward.forward(ids, store.cache, Adapters.NONE, ForwardTrace.NONE, store, null);
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
        if (grad) {
            int[] rows = CausalLmLoss.scoredRows(labels);
            if (rows.length == 0) {
                throw new UsageException("--labels: no label is scored (every target is -100), so there is no gradient");
            }
            int v = c.vocabSize();
            float[] dlogits = new float[rows.length * v];
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(logits, rows[i] * v, dlogits, i * v, v);
            }
            CausalLmLoss.lossOnRows(dlogits, rows, labels, v, dlogits, 1.0);
            Gradients grads = Gradients.all(m);
            backward.backward(rows, dlogits, Adapters.NONE, grads);
            outs.addAll(grads.tensors(m, "grad.").values());
        }
        SafetensorsWriter.write(out, outs, Map.of("format", "pt", "producer", "pkt4j forward"));
        return ExitCodes.OK;
    }
}
