package org.pkt4j.transfer;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;

/**
 * LaTen's injection (PKT-SPEC §4 "Inject"): the mapped source vectors of a {@link TransferPlan} placed on the
 * target's paired neurons as {@link NeuronDelta}s — the j-th kept source layer into the j-th kept target layer,
 * the i-th source neuron's vector onto the i-th target neuron: rows of up/v ({@code W[t_i, :] += δ_i}),
 * columns of down/o ({@code W[:, t_i] += δ_i}).
 *
 * <p>Vectors of one module are stacked over the kept layers, layer-major: vector {@code j·n + i} is the i-th
 * neuron of the j-th kept layer, of width d_s before mapping and d_t after ({@code [n·count, d]}). Column
 * modules are transposed into this layout, so every map sees one vector per row.
 */
public final class Injection {
    private final TransferPlan plan;
    private final Map<Module, List<NeuronDelta>> deltas;
    private final Map<Module, List<TransferPlan.Slot>> slots;
    private final Adapters adapters;
    private final int width;

    private Injection(TransferPlan plan, Map<Module, List<NeuronDelta>> deltas, Map<Module, List<TransferPlan.Slot>> slots,
                      Adapters adapters, int width) {
        this.plan = plan;
        this.deltas = deltas;
        this.slots = slots;
        this.adapters = adapters;
        this.width = width;
    }

    /** How many vectors module m contributes: kept layers × neurons per layer. */
    public static int vectorCount(TransferPlan plan, Module m) {
        List<TransferPlan.Slot> s = plan.slots(m);
        return s.isEmpty() ? 0 : s.size() * s.getFirst().sourceNeurons().length;
    }

    /** The extracted source vectors of module m, stacked layer-major: [vectorCount, d_s]. */
    public static float[] sourceVectors(TransferPlan plan, Module m) {
        int layers = plan.layerPairs(), ds = plan.source().hiddenSize();
        int count = vectorCount(plan, m);
        int n = count / Math.max(1, layers);
        float[] u = new float[count * ds];
        boolean rows = KnowledgeExtraction.isRowModule(m);
        for (int j = 0; j < layers; j++) {
            float[] block = plan.knowledgeBlock(m, j).toFloatArray();
            if (rows) {
                // block [n, d_s] is already one vector per row
                System.arraycopy(block, 0, u, j * n * ds, n * ds);
            } else {
                // block [d_s, n]: column i becomes row j·n + i
                for (int r = 0; r < ds; r++) {
                    for (int i = 0; i < n; i++) {
                        u[(j * n + i) * ds + r] = block[r * n + i];
                    }
                }
            }
        }
        return u;
    }

    /** Maps every module's source vectors: module → [vectorCount, d_t]. */
    public static Map<Module, float[]> translate(ExecutionContext ctx, TransferPlan plan, KnowledgeMap map) {
        checkWidths(plan, map);
        Map<Module, float[]> out = new EnumMap<>(Module.class);
        for (Module m : plan.modules()) {
            out.put(m, map.map(ctx, m, sourceVectors(plan, m), vectorCount(plan, m)));
        }
        return out;
    }

    /** Checks that a map reads the source's width and writes the target's. */
    public static void checkWidths(TransferPlan plan, KnowledgeMap map) {
        if (map.sourceDim() != plan.source().hiddenSize() || map.targetDim() != plan.target().hiddenSize()) {
            throw new IllegalArgumentException("the map goes from width " + map.sourceDim() + " to " + map.targetDim()
                    + ", the models have hidden sizes " + plan.source().hiddenSize() + " (source) and " + plan.target().hiddenSize()
                    + " (target)");
        }
    }

    /**
     * Places {@code translated} (module → [vectorCount, d_t], not copied per layer but sliced) on the target's
     * neurons. The arrays are read again by {@link #denseDeltas}; gradients accumulate in the deltas.
     */
    public static Injection of(TransferPlan plan, Llama target, Map<Module, float[]> translated) {
        int dt = target.config().hiddenSize();
        if (plan.target().hiddenSize() != dt) {
            throw new IllegalArgumentException("the plan was made for a target of width " + plan.target().hiddenSize() + ", this target has " + dt);
        }
        Adapters.Builder b = Adapters.builder();
        Map<Module, List<NeuronDelta>> deltas = new EnumMap<>(Module.class);
        Map<Module, List<TransferPlan.Slot>> slots = new EnumMap<>(Module.class);
        for (Module m : plan.modules()) {
            float[] t = translated.get(m);
            int count = vectorCount(plan, m);
            if (t == null || t.length != count * dt) {
                throw new IllegalArgumentException("translated " + m.shortName() + ": expected " + count + " x " + dt + " values, got "
                        + (t == null ? "none" : t.length));
            }
            List<NeuronDelta> list = new ArrayList<>();
            List<TransferPlan.Slot> ss = plan.slots(m);
            int n = ss.isEmpty() ? 0 : ss.getFirst().targetNeurons().length;
            for (TransferPlan.Slot s : ss) {
                Tensor w = target.weight(s.targetLayer(), m);
                float[] block = java.util.Arrays.copyOfRange(t, s.index() * n * dt, (s.index() + 1) * n * dt);
                NeuronDelta d = new NeuronDelta(KnowledgeExtraction.isRowModule(m) ? NeuronDelta.Kind.ROWS : NeuronDelta.Kind.COLUMNS,
                        s.targetNeurons(), block, w.dim(0), w.dim(1));
                b.add(s.targetLayer(), m, d);
                list.add(d);
            }
            deltas.put(m, list);
            slots.put(m, ss);
        }
        return new Injection(plan, deltas, slots, b.build(), dt);
    }

    public TransferPlan plan() {
        return plan;
    }

    /** The deltas as adapters for the target's forward and backward passes. */
    public Adapters adapters() {
        return adapters;
    }

    /** ∂L/∂translated of module m, [vectorCount, d_t], gathered from the deltas' accumulated gradients. */
    public float[] gradient(Module m) {
        List<NeuronDelta> list = deltas.get(m);
        if (list == null) {
            throw new IllegalArgumentException("nothing injected for module " + m.shortName());
        }
        int per = list.isEmpty() ? 0 : list.getFirst().grad().length;
        float[] g = new float[list.size() * per];
        for (int j = 0; j < list.size(); j++) {
            System.arraycopy(list.get(j).grad(), 0, g, j * per, per);
        }
        return g;
    }

    /** The dense Δ [out, in] of every touched target weight, by Hugging Face name (for {@link Fusion}). */
    public Map<String, float[]> denseDeltas() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<Module, List<NeuronDelta>> e : deltas.entrySet()) {
            List<TransferPlan.Slot> ss = slots.get(e.getKey());
            for (int j = 0; j < ss.size(); j++) {
                out.put(e.getKey().weightName(ss.get(j).targetLayer()), e.getValue().get(j).dense());
            }
        }
        return out;
    }

    /** The target width d_t of every injected vector. */
    public int width() {
        return width;
    }
}
