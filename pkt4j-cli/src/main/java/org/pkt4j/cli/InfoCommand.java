package org.pkt4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.io.tokenizer.Tokenizers;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a model's config, parameter count, storage dtypes and tokenizer.")
final class InfoCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "Hugging Face model directory")
    Path model;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Llama m = Llama.open(model);
        LlamaConfig c = m.config();
        Map<String, Long> dtypes = new TreeMap<>();
        long bytes = 0;
        for (Tensor t : m.tensors().values()) {
            dtypes.merge(t.dtype().name(), t.numel(), Long::sum);
            bytes += t.data().byteSize();
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("path", model.toString());
        o.put("model_type", c.modelType());
        o.put("parameters", c.parameterCount());
        o.put("hidden_size", c.hiddenSize());
        o.put("intermediate_size", c.intermediateSize());
        o.put("num_layers", c.numLayers());
        o.put("num_heads", c.numHeads());
        o.put("num_kv_heads", c.numKvHeads());
        o.put("head_dim", c.headDim());
        o.put("vocab_size", c.vocabSize());
        o.put("rope_theta", c.rope().theta());
        o.put("rope_type", c.rope().type());
        o.put("tie_word_embeddings", c.tieWordEmbeddings());
        o.put("qkv_bias", c.qkvBias());
        o.put("mlp_bias", c.mlpBias());
        o.put("dtypes", dtypes);
        o.put("weight_bytes", bytes);
        o.put("sharded", m.checkpoint() != null && m.checkpoint().isSharded());
        if (Files.isRegularFile(model.resolve("tokenizer.json")) || Files.isRegularFile(model.resolve("tokenizer.bin"))) {
            o.put("tokenizer", tokenizerSummary(model));
        }
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.writeLine(o));
        } else {
            o.forEach((k, v) -> out.printf("%-20s %s%n", k, v));
        }
        return ExitCodes.OK;
    }

    /** File, vocabulary size and BOS/EOS of the model's tokenizer; an unusable one is reported, not fatal. */
    private static Object tokenizerSummary(Path model) throws IOException {
        try {
            Tokenizer t = Tokenizers.load(model);
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("file", Files.isRegularFile(model.resolve("tokenizer.json")) ? "tokenizer.json" : "tokenizer.bin");
            s.put("vocab_size", t.vocabSize());
            s.put("bos_id", t.bosId());
            s.put("eos_id", t.eosId());
            return s;
        } catch (FormatException e) {
            return "unusable: " + e.getMessage();
        }
    }
}
