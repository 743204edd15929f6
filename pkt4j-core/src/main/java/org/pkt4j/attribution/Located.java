package org.pkt4j.attribution;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.io.safetensors.SafetensorsWriter;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.Tensor;

/**
 * The result of locating one model on some examples: the accumulated scores, the kept layers (attention and
 * FFN chosen separately, ascending) and, for each kept layer, the selected neurons in descending score order.
 * Written as {@code located.json} ({@value #FORMAT}) with the score matrices in a safetensors file beside it.
 *
 * @param options       the resolved options
 * @param shape         the located model's dimensions
 * @param scores        accumulated and per-example scores
 * @param keptAttn      kept attention layers, ascending [n]
 * @param keptFfn       kept FFN layers, ascending [n]
 * @param attnNeurons   [n][attnCount]: row j = the j-th kept attention layer's neurons (index h·hd + e), descending
 * @param ffnNeurons    [n][ffnCount]: row j = the j-th kept FFN layer's neurons, descending
 */
public record Located(LocateOptions options, Shape shape, AttributionScores scores, int[] keptAttn, int[] keptFfn,
                      int[][] attnNeurons, int[][] ffnNeurons) {

    public static final String FORMAT = "pkt4j.located/1";

    /**
     * The dimensions of the located model that the selection refers to.
     *
     * @param layers            L
     * @param hiddenSize        d
     * @param intermediateSize  f
     * @param attnNeurons       H·hd (the columns of W_o)
     * @param vocabSize         V
     * @param numHeads          H
     * @param numKvHeads        KV heads
     */
    public record Shape(int layers, int hiddenSize, int intermediateSize, int attnNeurons, int vocabSize, int numHeads,
                        int numKvHeads) {
        public static Shape of(LlamaConfig c) {
            return new Shape(c.numLayers(), c.hiddenSize(), c.intermediateSize(), c.qDim(), c.vocabSize(), c.numHeads(),
                    c.numKvHeads());
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("layers", layers);
            m.put("hidden_size", hiddenSize);
            m.put("intermediate_size", intermediateSize);
            m.put("attn_neurons", attnNeurons);
            m.put("vocab_size", vocabSize);
            m.put("num_heads", numHeads);
            m.put("num_kv_heads", numKvHeads);
            return m;
        }

        static Shape fromJson(JsonNode m) {
            return new Shape(m.path("layers").asInt(), m.path("hidden_size").asInt(), m.path("intermediate_size").asInt(),
                    m.path("attn_neurons").asInt(), m.path("vocab_size").asInt(), m.path("num_heads").asInt(),
                    m.path("num_kv_heads").asInt());
        }
    }

    /** Selects layers and neurons from scores (the reference's rounded accumulators for neurons). */
    public static Located of(LlamaConfig model, List<ExampleScores> perExample, LocateOptions options) {
        options.checkModel(model, "model");
        AttributionScores s = AttributionScores.of(perExample);
        int[] keptAttn = Selection.keptLayers(s.attnLayerScores(), options.layers());
        int[] keptFfn = Selection.keptLayers(s.ffnLayerScores(), options.layers());
        int[][] attn = new int[keptAttn.length][], ffn = new int[keptFfn.length][];
        for (int j = 0; j < keptAttn.length; j++) {
            attn[j] = Selection.topNeurons(s.attnRounded()[keptAttn[j]], options.attnCount());
        }
        for (int j = 0; j < keptFfn.length; j++) {
            ffn[j] = Selection.topNeurons(s.ffnRounded()[keptFfn[j]], options.ffnCount());
        }
        return new Located(options, Shape.of(model), s, keptAttn, keptFfn, attn, ffn);
    }

    /** The kept layers whose weights {@code m} belongs to (attention for v/o, FFN for up/down). */
    public int[] keptLayers(Module m) {
        return isAttention(m) ? keptAttn : keptFfn;
    }

    /** The selected neurons of the j-th kept layer for module {@code m}. */
    public int[] neurons(Module m, int j) {
        return (isAttention(m) ? attnNeurons : ffnNeurons)[j];
    }

    static boolean isAttention(Module m) {
        return switch (m) {
            case V, O -> true;
            case UP, DOWN -> false;
            default -> throw new IllegalArgumentException(m.shortName() + " is not an extracted module (up, down, v, o)");
        };
    }

    /** The safetensors file that goes with a located.json: the same name with {@code .safetensors}. */
    public static Path scoresFile(Path json) {
        String n = json.getFileName().toString();
        String stem = n.endsWith(".json") ? n.substring(0, n.length() - 5) : n;
        return json.resolveSibling(stem + ".safetensors");
    }

    /**
     * Writes {@code json} and its scores file (each atomically). {@code provenance} (model path, data file,
     * example choice, ...) is stored under "options" beside the resolved options.
     */
    public void write(Path json, boolean force, Map<String, Object> provenance) throws IOException {
        Path st = scoresFile(json);
        AtomicFiles.checkWritable(json, force, "--force");
        AtomicFiles.checkWritable(st, force, "--force");
        List<ExampleScores> ex = scores.examples();
        int E = ex.size(), L = shape.layers, f = shape.intermediateSize, qd = shape.attnNeurons;
        float[] ffnR = new float[L * f], attnR = new float[L * qd], ffnU = new float[E * L * f], attnU = new float[E * L * qd];
        for (int l = 0; l < L; l++) {
            System.arraycopy(scores.ffnRounded()[l], 0, ffnR, l * f, f);
            System.arraycopy(scores.attnRounded()[l], 0, attnR, l * qd, qd);
            for (int e = 0; e < E; e++) {
                System.arraycopy(ex.get(e).ffn()[l], 0, ffnU, (e * L + l) * f, f);
                System.arraycopy(ex.get(e).attn()[l], 0, attnU, (e * L + l) * qd, qd);
            }
        }
        List<Tensor> tensors = List.of(
                Tensor.ofFloats("ffn_scores", ffnR, L, f),
                Tensor.ofFloats("attn_scores", attnR, L, qd),
                Tensor.ofFloats("ffn_scores_unrounded", ffnU, E, L, f),
                Tensor.ofFloats("attn_scores_unrounded", attnU, E, L, qd),
                Tensor.ofFloats("ffn_layer_scores", toFloats(scores.ffnLayerScores()), L),
                Tensor.ofFloats("attn_layer_scores", toFloats(scores.attnLayerScores()), L));
        SafetensorsWriter.write(st, tensors, Map.of("format", FORMAT, "producer", "pkt4j locate"));
        Json.writeFile(json, toJson(st.getFileName().toString(), provenance));
    }

    private Map<String, Object> toJson(String scoresFile, Map<String, Object> provenance) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", FORMAT);
        root.put("model", shape.toJson());
        Map<String, Object> opts = new LinkedHashMap<>(provenance);
        opts.put("rate", options.rate());
        opts.put("layers", options.layers());
        opts.put("ffn_neurons_per_layer", options.ffnCount());
        opts.put("attn_neurons_per_layer", options.attnCount());
        opts.put("compat", options.compat().cliName());
        opts.put("attribution", options.mode().cliName());
        opts.put("modules", options.moduleNames());
        root.put("options", opts);
        root.put("seed", options.seed());
        root.put("attribution", options.mode().description());
        List<ExampleScores> ex = scores.examples();
        Map<String, Object> examples = new LinkedHashMap<>();
        examples.put("count", ex.size());
        examples.put("ids", ex.stream().map(ExampleScores::exampleId).toList());
        examples.put("attn_layer_scores", ex.stream().map(ExampleScores::attnLayer).toList());
        examples.put("ffn_layer_scores", ex.stream().map(ExampleScores::ffnLayer).toList());
        root.put("examples", examples);
        root.put("layer_scores", Map.of("attn", scores.attnLayerScores(), "ffn", scores.ffnLayerScores()));
        root.put("kept_layers", Map.of("attn", keptAttn, "ffn", keptFfn));
        root.put("neurons", Map.of("attn", attnNeurons, "ffn", ffnNeurons));
        root.put("scores", Map.of("file", scoresFile,
                "ffn_scores", "[L, f]: sum over examples of each score rounded to 4 decimals, float32 (the reference's accumulator)",
                "attn_scores", "[L, H*hd]: the LAST example's scores rounded to 4 decimals (the reference assigns)",
                "unrounded", "ffn_scores_unrounded [E, L, f], attn_scores_unrounded [E, L, H*hd]: per example"));
        return root;
    }

    /** Reads a located.json and its scores file back. */
    public static Located read(Path json) throws IOException {
        JsonNode root = Json.read(json);
        String format = root.path("format").asText("");
        if (!format.equals(FORMAT)) {
            throw new FormatException(json, "format is '" + format + "', expected '" + FORMAT + "'");
        }
        JsonNode m = root.path("model"), o = root.path("options");
        Shape shape = Shape.fromJson(m);
        if (shape.layers < 1 || shape.intermediateSize < 1 || shape.attnNeurons < 1) {
            throw new FormatException(json, "'model' needs layers, intermediate_size and attn_neurons >= 1, found " + m);
        }
        List<Module> modules = new ArrayList<>();
        for (JsonNode n : o.path("modules")) {
            modules.add(Module.parse(n.asText()));
        }
        LocateOptions options;
        try {
            options = new LocateOptions(o.path("rate").asDouble(), o.path("layers").asInt(), o.path("ffn_neurons_per_layer").asInt(),
                    o.path("attn_neurons_per_layer").asInt(), ReadoutCompat.parse(o.path("compat").asText("")),
                    AttributionMode.parse(o.path("attribution").asText("")), modules, root.path("seed").asLong());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new FormatException(json, "bad 'options': " + e.getMessage());
        }
        SafetensorsFile st = SafetensorsFile.open(json.resolveSibling(root.path("scores").path("file").asText()));
        JsonNode ex = root.path("examples");
        int E = ex.path("count").asInt(), L = shape.layers, f = shape.intermediateSize, qd = shape.attnNeurons;
        float[] ffnU = checked(st, "ffn_scores_unrounded", E, L, f), attnU = checked(st, "attn_scores_unrounded", E, L, qd);
        List<ExampleScores> perExample = new ArrayList<>();
        for (int e = 0; e < E; e++) {
            float[][] ffn = new float[L][], attn = new float[L][];
            for (int l = 0; l < L; l++) {
                ffn[l] = Arrays.copyOfRange(ffnU, (e * L + l) * f, (e * L + l + 1) * f);
                attn[l] = Arrays.copyOfRange(attnU, (e * L + l) * qd, (e * L + l + 1) * qd);
            }
            perExample.add(new ExampleScores(ex.path("ids").path(e).asText(), doubles(ex.path("attn_layer_scores").path(e), L, json),
                    doubles(ex.path("ffn_layer_scores").path(e), L, json), ffn, attn));
        }
        AttributionScores scores = AttributionScores.of(perExample);
        JsonNode kept = root.path("kept_layers"), neurons = root.path("neurons");
        return new Located(options, shape, scores, ints(kept.path("attn"), json), ints(kept.path("ffn"), json),
                intRows(neurons.path("attn"), json), intRows(neurons.path("ffn"), json));
    }

    private static float[] checked(SafetensorsFile st, String name, long... shape) throws FormatException {
        Tensor t = st.get(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new FormatException(st.path(), "tensor " + name + " has shape " + t.shapeString() + ", expected "
                    + Arrays.toString(shape));
        }
        return t.toFloatArray();
    }

    private static double[] doubles(JsonNode a, int n, Path file) throws FormatException {
        if (!a.isArray() || a.size() != n) {
            throw new FormatException(file, "expected " + n + " layer scores per example, found " + a);
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = a.get(i).asDouble();
        }
        return out;
    }

    private static int[] ints(JsonNode a, Path file) throws FormatException {
        if (!a.isArray()) {
            throw new FormatException(file, "expected a list of integers, found " + a);
        }
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    private static int[][] intRows(JsonNode a, Path file) throws FormatException {
        int[][] out = new int[a.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = ints(a.get(i), file);
        }
        return out;
    }

    private static float[] toFloats(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }
}
