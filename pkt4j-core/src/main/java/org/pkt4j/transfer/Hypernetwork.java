package org.pkt4j.transfer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.pkt4j.llama.Module;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.MatMul;

/**
 * LaTen's knowledge translator (PKT-SPEC §4): one two-layer ReLU MLP per module, shared across layers,
 * {@code H_m(u) = W2 · relu(W1 · u)} with {@code W1 [d_s, d_s]}, {@code W2 [d_t, d_s]}, no biases, fp32.
 * It maps each extracted source vector (a row of up/v, a column of down/o) of width d_s to width d_t.
 * Parameters are named as the reference's state dict: {@code network.<module>.0.weight} (W1) and
 * {@code network.<module>.2.weight} (W2), module = up_proj, down_proj, v_proj, o_proj.
 */
public final class Hypernetwork {

    /** One module's MLP with its gradient buffers. */
    public static final class Mlp {
        final int ds;
        final int dt;
        final float[] w1;
        final float[] w2;
        final float[] g1;
        final float[] g2;

        Mlp(int ds, int dt, float[] w1, float[] w2) {
            if (w1.length != ds * ds || w2.length != dt * ds) {
                throw new IllegalArgumentException("hypernetwork weights: expected W1 " + ds + "x" + ds + " and W2 " + dt + "x" + ds
                        + ", got " + w1.length + " and " + w2.length + " values");
            }
            this.ds = ds;
            this.dt = dt;
            this.w1 = w1;
            this.w2 = w2;
            this.g1 = new float[w1.length];
            this.g2 = new float[w2.length];
        }

        public float[] w1() {
            return w1;
        }

        public float[] w2() {
            return w2;
        }

        public float[] grad1() {
            return g1;
        }

        public float[] grad2() {
            return g2;
        }
    }

    /** What {@link #translate} saves for {@link #backward}: the inputs and the ReLU pre-activations. */
    public record Translation(Module module, float[] input, float[] hidden, float[] output, int count) {
    }

    private final int ds;
    private final int dt;
    private final Map<Module, Mlp> nets;

    private Hypernetwork(int ds, int dt, Map<Module, Mlp> nets) {
        this.ds = ds;
        this.dt = dt;
        this.nets = nets;
    }

    /** Fresh networks for {@code modules}, every weight N(0, std²) from {@code seed} (the reference: std 1e-5). */
    public static Hypernetwork initialise(Set<Module> modules, int ds, int dt, long seed, double std) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<Module, Mlp> nets = new LinkedHashMap<>();
        for (Module m : ordered(modules)) {
            float[] w1 = new float[ds * ds];
            float[] w2 = new float[dt * ds];
            for (int i = 0; i < w1.length; i++) {
                w1[i] = (float) (std * RandomLlama.gaussian(rng));
            }
            for (int i = 0; i < w2.length; i++) {
                w2[i] = (float) (std * RandomLlama.gaussian(rng));
            }
            nets.put(m, new Mlp(ds, dt, w1, w2));
        }
        return new Hypernetwork(ds, dt, nets);
    }

    /** Networks from a state dict ({@code network.<module>.0.weight}, {@code .2.weight}; copies the values). */
    public static Hypernetwork fromStateDict(Map<String, Tensor> state, Set<Module> modules) {
        Map<Module, Mlp> nets = new LinkedHashMap<>();
        int ds = -1, dt = -1;
        for (Module m : ordered(modules)) {
            Tensor a = state.get(paramName(m, 1));
            Tensor b = state.get(paramName(m, 2));
            if (a == null || b == null) {
                throw new IllegalArgumentException("hypernetwork state lacks " + (a == null ? paramName(m, 1) : paramName(m, 2)));
            }
            ds = a.dim(1);
            dt = b.dim(0);
            if (a.dim(0) != ds || b.dim(1) != ds) {
                throw new IllegalArgumentException("hypernetwork " + m.shortName() + ": W1 " + a.shapeString() + " and W2 "
                        + b.shapeString() + " do not form [d_s, d_s] and [d_t, d_s]");
            }
            nets.put(m, new Mlp(ds, dt, a.toFloatArray(), b.toFloatArray()));
        }
        return new Hypernetwork(ds, dt, nets);
    }

    /** The reference's parameter name: layer 1 is {@code network.<m>.0.weight}, layer 2 {@code network.<m>.2.weight}. */
    public static String paramName(Module m, int layer) {
        return "network." + m.shortName() + "." + (layer == 1 ? 0 : 2) + ".weight";
    }

    /** Parameters as fp32 tensors viewing the live arrays, in the reference's module order. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<Module, Mlp> e : nets.entrySet()) {
            Mlp n = e.getValue();
            out.put(paramName(e.getKey(), 1), Tensor.ofFloats(paramName(e.getKey(), 1), n.w1, ds, ds));
            out.put(paramName(e.getKey(), 2), Tensor.ofFloats(paramName(e.getKey(), 2), n.w2, dt, ds));
        }
        return out;
    }

    /** Gradients, named like {@link #stateDict()}. */
    public Map<String, Tensor> gradients() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<Module, Mlp> e : nets.entrySet()) {
            Mlp n = e.getValue();
            out.put(paramName(e.getKey(), 1), Tensor.ofFloats(paramName(e.getKey(), 1), n.g1, ds, ds));
            out.put(paramName(e.getKey(), 2), Tensor.ofFloats(paramName(e.getKey(), 2), n.g2, dt, ds));
        }
        return out;
    }

    public Set<Module> modules() {
        return nets.keySet();
    }

    public Mlp net(Module m) {
        Mlp n = nets.get(m);
        if (n == null) {
            throw new IllegalArgumentException("no hypernetwork for module " + m.shortName());
        }
        return n;
    }

    public int sourceDim() {
        return ds;
    }

    public int targetDim() {
        return dt;
    }

    public void zeroGrad() {
        for (Mlp n : nets.values()) {
            java.util.Arrays.fill(n.g1, 0f);
            java.util.Arrays.fill(n.g2, 0f);
        }
    }

    /** H_m of {@code count} vectors u [count, d_s] → [count, d_t]: hidden = W1 u (saved), out = W2 relu(hidden). */
    public Translation translate(ExecutionContext ctx, Module m, float[] u, int count) {
        Mlp n = net(m);
        if (u.length != count * ds) {
            throw new IllegalArgumentException("translate " + m.shortName() + ": expected " + count + " x " + ds + " inputs, got " + u.length);
        }
        float[] hidden = new float[count * ds];
        MatMul.linear(ctx, u, 0, count, ds, Tensor.ofFloats("W1", n.w1, ds, ds), hidden, 0, false);
        float[] act = relu(hidden);
        float[] out = new float[count * dt];
        MatMul.linear(ctx, act, 0, count, ds, Tensor.ofFloats("W2", n.w2, dt, ds), out, 0, false);
        return new Translation(m, u, hidden, out, count);
    }

    /**
     * The backward of {@link #translate}: given ∂L/∂out [count, d_t], accumulates ∂L/∂W2 = dOutᵀ·relu(hidden) and
     * ∂L/∂W1 = (W2ᵀ dOut ⊙ 1[hidden > 0])ᵀ·u. The inputs (extracted source weights) are constants.
     */
    public void backward(ExecutionContext ctx, Translation t, float[] dOut) {
        Mlp n = net(t.module());
        int count = t.count();
        float[] act = relu(t.hidden());
        MatMul.linearBackwardWeight(ctx, dOut, 0, act, 0, count, dt, ds, n.g2, 0);
        float[] dAct = new float[count * ds];
        MatMul.linearBackwardInput(ctx, dOut, 0, count, dt, Tensor.ofFloats("W2", n.w2, dt, ds), dAct, 0, false);
        float[] h = t.hidden();
        for (int i = 0; i < dAct.length; i++) {
            if (!(h[i] > 0f)) {
                dAct[i] = 0f;
            }
        }
        MatMul.linearBackwardWeight(ctx, dAct, 0, t.input(), 0, count, ds, ds, n.g1, 0);
    }

    private static float[] relu(float[] x) {
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = x[i] > 0f ? x[i] : 0f;
        }
        return r;
    }

    /** The reference's module order: down_proj, up_proj, o_proj, v_proj. */
    static Module[] ordered(Set<Module> modules) {
        return java.util.stream.Stream.of(Module.DOWN, Module.UP, Module.O, Module.V).filter(modules::contains).toArray(Module[]::new);
    }
}
