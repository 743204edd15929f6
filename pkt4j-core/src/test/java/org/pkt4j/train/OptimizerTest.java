package org.pkt4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.pkt4j.testing.Close.assertClose;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.testing.Fixtures;
import org.pkt4j.testing.GradCheck;

/** AdamW and SGD against the torch definitions, the pkt_pair LaTen step, and gradient clipping. */
class OptimizerTest {

    static final ExecutionContext TWO = ExecutionContext.of(2);

    /** The optimizer alone: H1 = AdamW(H0, stored grad) with the step's lr and betas, eps 1e-8, wd 0.05. */
    @Test
    void adamWReproducesTheLatenStep() {
        SafetensorsFile exp = Fixtures.expected("pkt_pair");
        float lr = Fixtures.tensor(exp, "laten.lr").getFloat(0);
        float[] betas = Fixtures.tensor(exp, "laten.betas").toFloatArray();
        List<Param> params = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (String m : List.of("down_proj", "up_proj", "o_proj", "v_proj")) {
            for (String w : List.of("0", "2")) {
                String name = "network." + m + "." + w + ".weight";
                var h0 = Fixtures.tensor(exp, "laten.H0." + name);
                params.add(new Param(name, h0.toFloatArray(), Fixtures.tensor(exp, "laten.grad." + name).toFloatArray(),
                        h0.shape(), true));
                expected.add(Fixtures.tensor(exp, "laten.H1." + name).toFloatArray());
            }
        }
        assertEquals(8, params.size());
        // the README: the step's lr is OneCycleLR's max_lr / 25 and beta1 its max momentum
        assertEquals(3e-4 / 25, lr, 1e-12);
        assertEquals(0.95f, betas[0]);
        new AdamW(betas[0], betas[1], 1e-8, 0.05).step(TWO, params, lr, OptionalDouble.empty());
        for (int i = 0; i < params.size(); i++) {
            assertClose("H1 " + params.get(i).name(), params.get(i).value(), expected.get(i), 1e-6, 0);
        }
    }

    /** Three steps with a scheduled beta1 against the torch formula evaluated in double. */
    @Test
    void adamWFollowsTorchWithAScheduledBeta1() {
        SplittableRandom rng = new SplittableRandom(3);
        int n = 41;
        float[] x = GradCheck.randomFloats(rng, n, 1);
        float[] g = new float[n];
        Param p = new Param("w", x, g, new long[] {n}, true);
        double b2 = 0.99, eps = 1e-6, wd = 0.1;
        double[] lrs = {1e-2, 3e-2, 2e-2}, b1s = {0.95, 0.85, 0.9};
        double[] xr = GradCheck.toDouble(x), m = new double[n], v = new double[n];
        AdamW opt = new AdamW(0.9, b2, eps, wd);
        for (int s = 0; s < 3; s++) {
            float[] grad = GradCheck.randomFloats(rng, n, 0.5);
            System.arraycopy(grad, 0, g, 0, n);
            opt.step(TWO, List.of(p), lrs[s], OptionalDouble.of(b1s[s]));
            int t = s + 1;
            for (int i = 0; i < n; i++) {
                xr[i] *= 1 - lrs[s] * wd;
                m[i] = b1s[s] * m[i] + (1 - b1s[s]) * grad[i];
                v[i] = b2 * v[i] + (1 - b2) * grad[i] * grad[i];
                double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
                xr[i] -= lrs[s] / (1 - Math.pow(b1s[s], t)) * m[i] / denom;
            }
        }
        assertClose("AdamW after 3 steps", x, GradCheck.toFloat(xr), 1e-6, 0);
        assertEquals(3, opt.steps());
    }

    @Test
    void sgdMomentumFollowsTorch() {
        float[] x = {1f, -2f, 0.5f};
        float[] g = new float[3];
        Param p = new Param("w", x, g, new long[] {3}, true);
        Sgd sgd = new Sgd(0.9, 0.1, false);
        double[] xr = {1, -2, 0.5}, buf = new double[3];
        float[][] grads = {{0.3f, -0.1f, 0.2f}, {0.1f, 0.4f, -0.3f}, {-0.2f, 0.0f, 0.1f}};
        for (int s = 0; s < 3; s++) {
            System.arraycopy(grads[s], 0, g, 0, 3);
            sgd.step(ExecutionContext.singleThreaded(), List.of(p), 0.05, OptionalDouble.empty());
            for (int i = 0; i < 3; i++) {
                double gi = grads[s][i] + 0.1 * xr[i];
                buf[i] = s == 0 ? gi : 0.9 * buf[i] + gi;
                xr[i] -= 0.05 * buf[i];
            }
        }
        assertClose("SGD after 3 steps", x, GradCheck.toFloat(xr), 1e-6, 0);
    }

    @Test
    void optimizerStateRestoresExactly() {
        SplittableRandom rng = new SplittableRandom(4);
        float[] a = GradCheck.randomFloats(rng, 17, 1), ga = GradCheck.randomFloats(rng, 17, 1);
        float[] b = a.clone(), gb = ga.clone();
        Param pa = new Param("w", a, ga, new long[] {17}, true), pb = new Param("w", b, gb, new long[] {17}, true);
        AdamW first = new AdamW(0.9, 0.95, 1e-8, 0.05);
        first.step(TWO, List.of(pa), 1e-3, OptionalDouble.empty());
        AdamW second = new AdamW(0.9, 0.95, 1e-8, 0.05);
        second.step(TWO, List.of(pb), 1e-3, OptionalDouble.empty());
        AdamW resumed = new AdamW(0.9, 0.95, 1e-8, 0.05);
        resumed.restore(second.steps(), second.state());
        first.step(TWO, List.of(pa), 2e-3, OptionalDouble.empty());
        resumed.step(TWO, List.of(pb), 2e-3, OptionalDouble.empty());
        assertClose("resumed AdamW", b, a, 0, 0);
    }

    @Test
    void clippingScalesToTheMaximumNorm() {
        float[] g = {3f, 4f};
        List<Param> ps = List.of(new Param("w", new float[2], g, new long[] {2}, true));
        assertEquals(5.0, Params.clipGlobalNorm(ps, 1.0), 1e-12);
        assertEquals(1.0, Params.globalNorm(ps), 1e-5);
        assertEquals(0.6f, g[0], 1e-6f);
        float[] small = {0.3f, 0.4f};
        Params.clipGlobalNorm(List.of(new Param("w", new float[2], small, new long[] {2}, true)), 1.0);
        assertEquals(0.3f, small[0]);
    }
}
