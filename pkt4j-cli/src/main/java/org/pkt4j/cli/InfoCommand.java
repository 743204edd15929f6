package org.pkt4j.cli;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.pkt4j.io.Json;
import org.pkt4j.io.ModelFiles;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a model's config, parameter count, storage dtypes and tokenizer.")
final class InfoCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ModelFiles files = modelOptions.locate();
        Llama m = files.open();
        LlamaConfig c = m.config();
        Map<String, Long> dtypes = new TreeMap<>();
        long bytes = 0;
        for (Tensor t : m.tensors().values()) {
            dtypes.merge(t.dtype().name(), t.numel(), Long::sum);
            bytes += t.data().byteSize();
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("path", files.path().toString());
        o.put("format", files.format() == ModelFiles.Format.LLAMA2C ? "llama2.c" : "hf");
        o.put("model_type", c.modelType());
        o.put("parameters", c.parameterCount());
        o.put("hidden_size", c.hiddenSize());
        o.put("intermediate_size", c.intermediateSize());
        o.put("num_layers", c.numLayers());
        o.put("num_heads", c.numHeads());
        o.put("num_kv_heads", c.numKvHeads());
        o.put("head_dim", c.headDim());
        o.put("vocab_size", c.vocabSize());
        o.put("max_position_embeddings", c.maxPositionEmbeddings());
        o.put("rope_theta", c.rope().theta());
        o.put("rope_type", c.rope().type());
        o.put("sliding_window", c.slidingWindow() > 0 ? c.slidingWindow() : null);
        o.put("tie_word_embeddings", c.tieWordEmbeddings());
        o.put("qkv_bias", c.qkvBias());
        o.put("mlp_bias", c.mlpBias());
        o.put("bos_token_id", c.bosTokenId() >= 0 ? c.bosTokenId() : null);
        o.put("eos_token_ids", c.eosTokenIds());
        o.put("dtypes", dtypes);
        o.put("weight_bytes", bytes);
        o.put("sharded", m.checkpoint() != null && m.checkpoint().isSharded());
        o.put("tokenizer", tokenizerSummary(files));
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.writeLine(o));
        } else {
            o.forEach((k, v) -> out.printf("%-24s %s%n", k, v));
        }
        return ExitCodes.OK;
    }

    /**
     * The tokenizer's file and, when it loads, its vocabulary size and special ids. info describes; a tokenizer
     * that does not load is reported in the summary rather than failing the command.
     */
    private static Map<String, Object> tokenizerSummary(ModelFiles files) {
        if (files.tokenizer() == null) {
            return null;
        }
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("path", files.tokenizer().toString());
        try {
            Tokenizer tok = files.loadTokenizer();
            t.put("vocab_size", tok.vocabSize());
            t.put("bos_id", tok.bosId());
            t.put("eos_id", tok.eosId());
        } catch (IOException | RuntimeException e) {
            t.put("error", Errors.describe(e));
        }
        return t;
    }
}
