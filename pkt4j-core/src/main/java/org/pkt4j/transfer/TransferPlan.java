package org.pkt4j.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.attribution.Located;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.io.safetensors.SafetensorsWriter;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.Tensor;

/**
 * A LaTen transfer plan (PKT-SPEC §2–§4): which source neurons feed which target neurons, and the source
 * parameters extracted for them. The j-th kept source layer pairs with the j-th kept target layer (attention
 * and FFN lists independently), the i-th source neuron of a pair with the i-th target neuron (both in
 * descending score order). The knowledge of module m is stacked over the kept layers:
 * {@code up [n, n_ffn, d_s]}, {@code down [n, d_s, n_ffn]}, {@code v [n, n_attn, d_s]}, {@code o [n, d_s, n_attn]}
 * (the fixture's {@code knowledge.*}).
 *
 * <p>Saved as JSON ({@value #FORMAT}: shapes, layer and neuron pairs, provenance) plus a safetensors file
 * beside it holding the knowledge, and reloadable. Post-Align PKT's plan (kept layers plus, per module, a
 * window corner and the sliced sub-matrix) is a different object — windows, not neuron pairs — and gets a
 * sibling type with its own format tag rather than optional fields here; both share the layer pairing rule
 * and the JSON + safetensors layout.
 */
public final class TransferPlan {
    public static final String FORMAT = "pkt4j.plan/1";

    /**
     * One kept layer pair of one module.
     *
     * @param module        up, down, v or o
     * @param index         j, the pair's position among the kept layers
     * @param sourceLayer   the j-th kept source layer
     * @param targetLayer   the j-th kept target layer
     * @param sourceNeurons source rows (up, v) or columns (down, o), in score order
     * @param targetNeurons the target rows or columns they map onto, in score order
     */
    public record Slot(Module module, int index, int sourceLayer, int targetLayer, int[] sourceNeurons, int[] targetNeurons) {
    }

    private final List<Module> modules;
    private final Located.Shape source;
    private final Located.Shape target;
    private final Pairing attn;
    private final Pairing ffn;
    private final Map<Module, Tensor> knowledge;
    private final Map<String, Object> provenance;

    /** Layer and neuron pairs of one block kind (attention or FFN). */
    private record Pairing(int[] sourceLayers, int[] targetLayers, int[][] sourceNeurons, int[][] targetNeurons) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("source_layers", sourceLayers);
            m.put("target_layers", targetLayers);
            m.put("source_neurons", sourceNeurons);
            m.put("target_neurons", targetNeurons);
            return m;
        }
    }

    private TransferPlan(List<Module> modules, Located.Shape source, Located.Shape target, Pairing attn, Pairing ffn,
                         Map<Module, Tensor> knowledge, Map<String, Object> provenance) {
        this.modules = List.copyOf(modules);
        this.source = source;
        this.target = target;
        this.attn = attn;
        this.ffn = ffn;
        this.knowledge = knowledge;
        this.provenance = Map.copyOf(provenance);
    }

    /**
     * Pairs the source's and the target's selections and extracts the source knowledge of {@code modules}.
     * Both must have been located with the same layer count and neuron counts; the models must share one
     * vocabulary (PKT needs a shared tokenizer).
     */
    public static TransferPlan build(Llama sourceModel, Located sourceLocated, Located targetLocated, List<Module> modules) {
        Located.Shape s = sourceLocated.shape(), t = targetLocated.shape();
        if (!Located.Shape.of(sourceModel.config()).equals(s)) {
            throw new IllegalArgumentException("the source model " + Located.Shape.of(sourceModel.config())
                    + " is not the model the source selection was located on " + s);
        }
        if (s.vocabSize() != t.vocabSize()) {
            throw new IllegalArgumentException("source vocabulary " + s.vocabSize() + " != target vocabulary " + t.vocabSize()
                    + ": parametric knowledge transfer needs models that share one tokenizer");
        }
        if (sourceLocated.keptAttn().length != targetLocated.keptAttn().length
                || sourceLocated.keptFfn().length != targetLocated.keptFfn().length) {
            throw new IllegalArgumentException("source keeps " + sourceLocated.keptFfn().length + " layers, target "
                    + targetLocated.keptFfn().length + ": locate both with n = the target's layer count");
        }
        if (sourceLocated.options().ffnCount() != targetLocated.options().ffnCount()
                || sourceLocated.options().attnCount() != targetLocated.options().attnCount()) {
            throw new IllegalArgumentException("neuron counts differ (source " + sourceLocated.options().ffnCount() + " FFN / "
                    + sourceLocated.options().attnCount() + " attention, target " + targetLocated.options().ffnCount() + " / "
                    + targetLocated.options().attnCount() + "): locate both with counts from the target's f and d");
        }
        for (Module m : modules) {
            KnowledgeExtraction.isRowModule(m);
            if (m == Module.V && (s.numKvHeads() < s.numHeads() || t.numKvHeads() < t.numHeads())) {
                throw new IllegalArgumentException("module v: a model with grouped-query attention has v_proj rows that do not "
                        + "correspond to attention neurons; use up, down, o");
            }
        }
        Pairing attn = new Pairing(sourceLocated.keptAttn(), targetLocated.keptAttn(), sourceLocated.attnNeurons(),
                targetLocated.attnNeurons());
        Pairing ffn = new Pairing(sourceLocated.keptFfn(), targetLocated.keptFfn(), sourceLocated.ffnNeurons(),
                targetLocated.ffnNeurons());
        Map<Module, Tensor> knowledge = new EnumMap<>(Module.class);
        for (Module m : modules) {
            Pairing p = isAttention(m) ? attn : ffn;
            knowledge.put(m, KnowledgeExtraction.extract(sourceModel, m, p.sourceLayers, p.sourceNeurons));
        }
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("rate", sourceLocated.options().rate());
        provenance.put("compat", sourceLocated.options().compat().cliName());
        provenance.put("attribution", sourceLocated.options().mode().cliName());
        provenance.put("source_examples", sourceLocated.scores().examples().stream().map(e -> e.exampleId()).toList());
        provenance.put("target_examples", targetLocated.scores().examples().stream().map(e -> e.exampleId()).toList());
        return new TransferPlan(modules, s, t, attn, ffn, knowledge, provenance);
    }

    public List<Module> modules() {
        return modules;
    }

    public Located.Shape source() {
        return source;
    }

    public Located.Shape target() {
        return target;
    }

    /** Number of kept layer pairs (n). */
    public int layerPairs() {
        return ffn.sourceLayers.length;
    }

    /** The layer pairs of module m, j = 0 .. n-1. */
    public List<Slot> slots(Module m) {
        Pairing p = isAttention(m) ? attn : ffn;
        List<Slot> out = new ArrayList<>();
        for (int j = 0; j < p.sourceLayers.length; j++) {
            out.add(new Slot(m, j, p.sourceLayers[j], p.targetLayers[j], p.sourceNeurons[j].clone(), p.targetNeurons[j].clone()));
        }
        return out;
    }

    /** The stacked knowledge of module m (F32; see the class comment for the layout). */
    public Tensor knowledge(Module m) {
        Tensor t = knowledge.get(m);
        if (t == null) {
            throw new IllegalArgumentException("the plan holds no " + m.shortName() + " knowledge (modules " + modules + ")");
        }
        return t;
    }

    /** The j-th kept layer's block of module m's knowledge: [count, d_s] rows or [d_s, count] columns (a view). */
    public Tensor knowledgeBlock(Module m, int j) {
        Tensor k = knowledge(m);
        int a = k.dim(1), b = k.dim(2);
        return k.reshape(k.dim(0), (long) a * b).rowRange(j, j + 1).reshape(a, b);
    }

    /** What the plan was made from (rate, compat, attribution mode, example ids). */
    public Map<String, Object> provenance() {
        return provenance;
    }

    /** The knowledge file that goes with a plan JSON: the same name with {@code .safetensors}. */
    public static Path knowledgeFile(Path json) {
        return Located.scoresFile(json);
    }

    /** Writes the plan JSON and its knowledge file (each atomically; refuses to overwrite without {@code force}). */
    public void save(Path json, boolean force) throws IOException {
        Path st = knowledgeFile(json);
        AtomicFiles.checkWritable(json, force, "--force");
        AtomicFiles.checkWritable(st, force, "--force");
        SafetensorsWriter.write(st, knowledge.values(), Map.of("format", FORMAT));
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", FORMAT);
        root.put("modules", modules.stream().map(Module::shortName).toList());
        root.put("source", shapeJson(source));
        root.put("target", shapeJson(target));
        root.put("attn", attn.toJson());
        root.put("ffn", ffn.toJson());
        root.put("knowledge_file", st.getFileName().toString());
        root.put("provenance", provenance);
        Json.writeFile(json, root);
    }

    /** Reads a plan saved by {@link #save}; the knowledge stays memory-mapped. */
    public static TransferPlan load(Path json) throws IOException {
        JsonNode root = Json.read(json);
        String format = root.path("format").asText("");
        if (!format.equals(FORMAT)) {
            throw new FormatException(json, "format is '" + format + "', expected '" + FORMAT + "'");
        }
        List<Module> modules = new ArrayList<>();
        for (JsonNode n : root.path("modules")) {
            Module m = Module.parse(n.asText());
            if (m == null || !(m == Module.UP || m == Module.DOWN || m == Module.V || m == Module.O)) {
                throw new FormatException(json, "modules: '" + n.asText() + "' is not one of up_proj, down_proj, v_proj, o_proj");
            }
            modules.add(m);
        }
        Located.Shape source = shape(root.path("source")), target = shape(root.path("target"));
        Pairing attn = pairing(root.path("attn"), json), ffn = pairing(root.path("ffn"), json);
        SafetensorsFile st = SafetensorsFile.open(json.resolveSibling(root.path("knowledge_file").asText()));
        Map<Module, Tensor> knowledge = new EnumMap<>(Module.class);
        int d = source.hiddenSize();
        for (Module m : modules) {
            Pairing p = isAttention(m) ? attn : ffn;
            int count = p.sourceNeurons.length == 0 ? 0 : p.sourceNeurons[0].length;
            long[] want = KnowledgeExtraction.isRowModule(m) ? new long[] {p.sourceLayers.length, count, d}
                    : new long[] {p.sourceLayers.length, d, count};
            Tensor t = st.get(KnowledgeExtraction.knowledgeName(m));
            if (!Arrays.equals(t.shape(), want)) {
                throw new FormatException(st.path(), "tensor " + t.name() + " has shape " + t.shapeString() + ", the plan implies "
                        + Arrays.toString(want));
            }
            knowledge.put(m, t);
        }
        Map<String, Object> provenance = Json.MAPPER.convertValue(root.path("provenance"), Map.class);
        return new TransferPlan(modules, source, target, attn, ffn, knowledge, provenance == null ? Map.of() : provenance);
    }

    private static boolean isAttention(Module m) {
        return m == Module.V || m == Module.O;
    }

    private static Map<String, Object> shapeJson(Located.Shape s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layers", s.layers());
        m.put("hidden_size", s.hiddenSize());
        m.put("intermediate_size", s.intermediateSize());
        m.put("attn_neurons", s.attnNeurons());
        m.put("vocab_size", s.vocabSize());
        m.put("num_heads", s.numHeads());
        m.put("num_kv_heads", s.numKvHeads());
        return m;
    }

    private static Located.Shape shape(JsonNode m) {
        return new Located.Shape(m.path("layers").asInt(), m.path("hidden_size").asInt(), m.path("intermediate_size").asInt(),
                m.path("attn_neurons").asInt(), m.path("vocab_size").asInt(), m.path("num_heads").asInt(),
                m.path("num_kv_heads").asInt());
    }

    private static Pairing pairing(JsonNode p, Path file) throws FormatException {
        Pairing out = new Pairing(ints(p.path("source_layers"), file), ints(p.path("target_layers"), file),
                rows(p.path("source_neurons"), file), rows(p.path("target_neurons"), file));
        int n = out.sourceLayers.length;
        if (out.targetLayers.length != n || out.sourceNeurons.length != n || out.targetNeurons.length != n) {
            throw new FormatException(file, "layer and neuron lists of a pairing differ in length: " + p);
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

    private static int[][] rows(JsonNode a, Path file) throws FormatException {
        if (!a.isArray()) {
            throw new FormatException(file, "expected a list of lists of integers, found " + a);
        }
        int[][] out = new int[a.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = ints(a.get(i), file);
        }
        return out;
    }
}
