package org.pkt4j.postalign;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.pkt4j.attribution.Sensitivity;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.MatMul;
import org.pkt4j.train.lora.Lora;
import org.pkt4j.train.lora.LoraConfig;

/**
 * Post-Align PKT's extraction (PKT-SPEC §5 steps 2–4), the sibling of LaTen's {@code TransferPlan}: windows, not
 * neuron pairs. From the source's {@link Sensitivity}: keep the top L_t source layers (ascending; kept layer j feeds
 * target layer j); for every kept layer and module q, k, v, o, gate, down, up (the reference's order), and for
 * embed_tokens and lm_head when enabled, find the max-sensitivity window of the TARGET module's shape
 * ({@link SensitivityWindow}), slice the source weight there and factor the slice at rank r
 * ({@link TruncatedSvd}: {@code B = U_r diag(s_r)}, {@code A = V_rᵀ}). The factors initialise LoRA on the target
 * ({@code lora_B = B}, {@code lora_A = A}, alpha = r).
 *
 * <p>The embedding is handled as the reference does: its {@code [V, d_s]} matrix and sensitivity are transposed to
 * {@code [d_s, V]} and a {@code [d_t, V]} window (d_t contiguous embedding columns) is factored, giving PEFT's
 * {@code lora_embedding_B} [d_t, r] and {@code lora_embedding_A} [r, V]; its corner is in the transposed view.
 * lm_head {@code [V, d_s]} gets a {@code [V, d_t]} window. With a tied source, lm_head's window is taken from the
 * shared matrix (the reference has no separate lm_head parameter to read then).
 */
public final class PostAlignPlan {
    public static final String FORMAT = "pkt4j.postalign-plan/1";

    /** The per-layer modules in the order the reference extracts them. */
    public static final List<Module> LAYER_MODULES = List.of(Module.Q, Module.K, Module.V, Module.O, Module.GATE, Module.DOWN, Module.UP);

    /**
     * @param rank       r of the truncated SVD and of the LoRA
     * @param embeddings also extract embed_tokens and lm_head (the reference's include_emb, on by default)
     * @param seed       seeds the randomized SVD of large slices
     */
    public record Options(int rank, boolean embeddings, long seed) {
        public Options {
            if (rank < 1) {
                throw new IllegalArgumentException("--rank: expected at least 1, got " + rank);
            }
        }
    }

    /**
     * One extracted window.
     *
     * @param module       the target module
     * @param targetLayer  j (-1 for embed_tokens and lm_head)
     * @param sourceLayer  the j-th kept source layer (-1 for embed_tokens and lm_head)
     * @param sourceTensor the source weight the window lies in
     * @param row          top-left row (in the transposed view for the embedding)
     * @param col          top-left column
     * @param height       window rows = the target module's out size ({@code d_t} for the transposed embedding)
     * @param width        window columns
     * @param transposed   whether the window lies in the source matrix's transpose (the embedding)
     * @param sum          the window's summed sensitivity
     * @param factors      B [height, r], A [r, width] and the singular values
     */
    public record Window(Module module, int targetLayer, int sourceLayer, String sourceTensor, int row, int col, int height,
                         int width, boolean transposed, double sum, TruncatedSvd factors) {

        /** The target module's path: {@code model.layers.j.self_attn.q_proj}, {@code model.embed_tokens}, {@code lm_head}. */
        public String targetPath() {
            return module.path(Math.max(targetLayer, 0));
        }
    }

    /** Wall seconds spent finding windows (summed-area scans, slicing) and factoring them (SVD). */
    public record Timings(double windowSeconds, double svdSeconds) {
    }

    private final Options options;
    private final Timings timings;
    private final int[] keptLayers;
    private final int[] layerOrder;
    private final double[] layerScores;
    private final List<Window> windows;

    private PostAlignPlan(Options options, Timings timings, int[] keptLayers, int[] layerOrder, double[] layerScores, List<Window> windows) {
        this.options = options;
        this.timings = timings;
        this.keptLayers = keptLayers;
        this.layerOrder = layerOrder;
        this.layerScores = layerScores;
        this.windows = List.copyOf(windows);
    }

    /** The modules extracted: the seven per-layer ones, plus embed_tokens and lm_head with {@code embeddings}. */
    public static Set<Module> targets(boolean embeddings) {
        Set<Module> t = EnumSet.copyOf(LAYER_MODULES);
        if (embeddings) {
            t.add(Module.EMBED);
            t.add(Module.LM_HEAD);
        }
        return t;
    }

    /** [out, in] of a module in a model of config c ([d, V] for the transposed embedding, [V, d] for lm_head). */
    static int[] shape(LlamaConfig c, Module m) {
        int d = c.hiddenSize(), f = c.intermediateSize();
        return switch (m) {
            case Q -> new int[] {c.qDim(), d};
            case K, V -> new int[] {c.kvDim(), d};
            case O -> new int[] {d, c.qDim()};
            case GATE, UP -> new int[] {f, d};
            case DOWN -> new int[] {d, f};
            case EMBED -> new int[] {d, c.vocabSize()};
            case LM_HEAD -> new int[] {c.vocabSize(), d};
        };
    }

    /**
     * Checks, before any work, that a transfer from {@code source} into {@code target} can be planned: shared
     * vocabulary, no more target layers than source layers, every target module no larger than its source module,
     * and a rank no larger than any slice's smaller side. Messages name the module and the reason.
     */
    public static void validate(LlamaConfig source, LlamaConfig target, Options o) {
        if (source.vocabSize() != target.vocabSize()) {
            throw new IllegalArgumentException("source vocabulary " + source.vocabSize() + " != target vocabulary " + target.vocabSize()
                    + ": parametric knowledge transfer needs models that share one tokenizer");
        }
        if (target.numLayers() > source.numLayers()) {
            throw new IllegalArgumentException("the target has " + target.numLayers() + " layers, the source only " + source.numLayers()
                    + ": Post-Align PKT keeps one source layer per target layer");
        }
        for (Module m : targets(o.embeddings())) {
            int[] s = shape(source, m), t = shape(target, m);
            String name = m.shortName() + (m == Module.EMBED ? " (transposed to [d, V])" : "");
            if (t[0] > s[0] || t[1] > s[1]) {
                throw new IllegalArgumentException("module " + name + ": the target's [" + t[0] + ", " + t[1] + "] window does not fit the source's ["
                        + s[0] + ", " + s[1] + "] matrix (" + why(source, target, m) + "); Post-Align PKT only extracts from a larger source");
            }
            if (o.rank() > Math.min(t[0], t[1])) {
                throw new IllegalArgumentException("--rank " + o.rank() + " is larger than the smaller side of module " + name + "'s slice ["
                        + t[0] + ", " + t[1] + "]");
            }
        }
    }

    private static String why(LlamaConfig s, LlamaConfig t, Module m) {
        List<String> r = new ArrayList<>();
        if (t.hiddenSize() > s.hiddenSize()) {
            r.add("target hidden size " + t.hiddenSize() + " > source " + s.hiddenSize());
        }
        if ((m == Module.GATE || m == Module.UP || m == Module.DOWN) && t.intermediateSize() > s.intermediateSize()) {
            r.add("target intermediate size " + t.intermediateSize() + " > source " + s.intermediateSize());
        }
        if ((m == Module.Q || m == Module.O) && t.qDim() > s.qDim()) {
            r.add("target heads × head_dim " + t.qDim() + " > source " + s.qDim());
        }
        if ((m == Module.K || m == Module.V) && t.kvDim() > s.kvDim()) {
            r.add("target kv_heads × head_dim " + t.kvDim() + " > source " + s.kvDim());
        }
        return String.join(", ", r);
    }

    /**
     * Plans the extraction and factors every window.
     *
     * @param progress receives each finished window
     */
    public static PostAlignPlan build(Llama source, LlamaConfig target, Sensitivity s, Options o, ExecutionContext ctx,
                                      Consumer<Window> progress) {
        LlamaConfig sc = source.config();
        if (!s.config().equals(sc)) {
            throw new IllegalArgumentException("the sensitivity was computed on another model than the source");
        }
        validate(sc, target, o);
        int[] kept = s.keptLayers(target.numLayers());
        // one window at a time (find, slice, factor), so that only one slice is ever held
        Factoring f = new Factoring(o, ctx, progress);
        if (o.embeddings()) {
            String name = "model.embed_tokens.weight";
            int[] t = shape(target, Module.EMBED);
            long t0 = System.nanoTime();
            // [V, d_s] seen as [d_s, V]: the window is d_t contiguous columns of the embedding
            SensitivityWindow w = SensitivityWindow.findInTranspose(s.map(name), sc.vocabSize(), sc.hiddenSize(), t[0], t[1]);
            f.add(Module.EMBED, -1, -1, name, w, t, true, sliceTransposed(source.embed(), w.row(), t[0]), t0);
        }
        for (int j = 0; j < kept.length; j++) {
            for (Module m : LAYER_MODULES) {
                Tensor src = source.weight(kept[j], m);
                int[] t = shape(target, m);
                long t0 = System.nanoTime();
                SensitivityWindow w = SensitivityWindow.find(s.map(m.weightName(kept[j])), src.rows(), src.cols(), t[0], t[1]);
                f.add(m, j, kept[j], m.weightName(kept[j]), w, t, false, slice(src, w.row(), w.col(), t[0], t[1]), t0);
            }
        }
        if (o.embeddings()) {
            // a tied source has one matrix for both uses; its sensitivity includes the head's gradient
            String name = sc.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
            Tensor src = source.lmHead();
            int[] t = shape(target, Module.LM_HEAD);
            long t0 = System.nanoTime();
            SensitivityWindow w = SensitivityWindow.find(s.map(name), src.rows(), src.cols(), t[0], t[1]);
            f.add(Module.LM_HEAD, -1, -1, name, w, t, false, slice(src, w.row(), w.col(), t[0], t[1]), t0);
        }
        return new PostAlignPlan(o, new Timings(f.windowNanos / 1e9, f.svdNanos / 1e9), kept, s.layerOrder(), s.layerScores(), f.windows);
    }

    /** Factors each found window and keeps the time spent finding (slicing included) and factoring. */
    private static final class Factoring {
        final Options o;
        final ExecutionContext ctx;
        final Consumer<Window> progress;
        final List<Window> windows = new ArrayList<>();
        long windowNanos;
        long svdNanos;

        Factoring(Options o, ExecutionContext ctx, Consumer<Window> progress) {
            this.o = o;
            this.ctx = ctx;
            this.progress = progress;
        }

        void add(Module m, int j, int l, String tensor, SensitivityWindow w, int[] t, boolean transposed, float[] slice, long started) {
            long t1 = System.nanoTime();
            TruncatedSvd svd = TruncatedSvd.of(ctx, slice, t[0], t[1], o.rank(), o.seed() + windows.size());
            windowNanos += t1 - started;
            svdNanos += System.nanoTime() - t1;
            Window out = new Window(m, j, l, tensor, w.row(), w.col(), t[0], t[1], transposed, w.sum(), svd);
            windows.add(out);
            progress.accept(out);
        }
    }

    /** W[row : row + h, col : col + w] in fp32. */
    static float[] slice(Tensor src, int row, int col, int h, int w) {
        float[] out = new float[Math.multiplyExact(h, w)];
        for (int r = 0; r < h; r++) {
            MatMul.loadRow(src.data(), src.dtype(), (long) (row + r) * src.cols() + col, w, out, r * w);
        }
        return out;
    }

    /** Eᵀ[row : row + h, :] = the columns [row, row + h) of E [V, d], as an [h, V] matrix. */
    static float[] sliceTransposed(Tensor e, int row, int h) {
        int vocab = e.rows(), d = e.cols();
        float[] out = new float[Math.multiplyExact(h, vocab)];
        float[] buf = new float[h];
        for (int v = 0; v < vocab; v++) {
            MatMul.loadRow(e.data(), e.dtype(), (long) v * d + row, h, buf);
            for (int a = 0; a < h; a++) {
                out[a * vocab + v] = buf[a];
            }
        }
        return out;
    }

    public Options options() {
        return options;
    }

    public Timings timings() {
        return timings;
    }

    /** The kept source layers, ascending (kept layer j feeds target layer j). */
    public int[] keptLayers() {
        return keptLayers.clone();
    }

    /** Source layers by descending sensitivity. */
    public int[] layerOrder() {
        return layerOrder.clone();
    }

    public double[] layerScores() {
        return layerScores.clone();
    }

    /** The windows: embed_tokens, then per kept layer q, k, v, o, gate, down, up, then lm_head. */
    public List<Window> windows() {
        return windows;
    }

    /** The window of a target module ({@code layer} ignored for embed_tokens and lm_head). */
    public Window window(Module m, int layer) {
        for (Window w : windows) {
            if (w.module() == m && (!m.perLayer() || w.targetLayer() == layer)) {
                return w;
            }
        }
        throw new IllegalArgumentException("no window for " + m.path(Math.max(layer, 0)) + " in this plan");
    }

    /** The LoRA configuration the plan initialises: rank r, alpha r (scaling 1), the extracted modules. */
    public LoraConfig loraConfig(double dropout) {
        return new LoraConfig(options.rank(), options.rank(), dropout, targets(options.embeddings()), false);
    }

    /**
     * The LoRA weights by {@link Lora} parameter name (PEFT keys without {@code base_model.model.}): per module
     * {@code <path>.lora_A.weight} = A [r, in] and {@code .lora_B.weight} = B [out, r]; the embedding's
     * {@code lora_embedding_A} = A [r, V] and {@code lora_embedding_B} = B [d_t, r].
     */
    public Map<String, float[]> loraWeights() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Window w : windows) {
            if (w.module() == Module.EMBED) {
                out.put(Lora.EMBED_A, w.factors().a());
                out.put(Lora.EMBED_B, w.factors().b());
            } else {
                out.put(w.targetPath() + ".lora_A.weight", w.factors().a());
                out.put(w.targetPath() + ".lora_B.weight", w.factors().b());
            }
        }
        return out;
    }

    /** The plan as JSON-ready values: format, options, layer ranking, and every window with its singular values. */
    public Map<String, Object> toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", FORMAT);
        root.put("rank", options.rank());
        root.put("embeddings", options.embeddings());
        root.put("svd_seed", options.seed());
        root.put("layer_scores", layerScores);
        root.put("layer_order", layerOrder);
        root.put("kept_layers", keptLayers);
        List<Map<String, Object>> ws = new ArrayList<>();
        for (Window w : windows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", w.targetPath());
            m.put("source_tensor", w.sourceTensor());
            m.put("source_layer", w.sourceLayer());
            m.put("corner", new int[] {w.row(), w.col()});
            m.put("shape", new int[] {w.height(), w.width()});
            m.put("transposed", w.transposed());
            m.put("sum", w.sum());
            m.put("singular_values", w.factors().values());
            ws.add(m);
        }
        root.put("windows", ws);
        return root;
    }
}
