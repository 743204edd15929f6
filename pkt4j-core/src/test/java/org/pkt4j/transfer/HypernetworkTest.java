package org.pkt4j.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pkt4j.testing.Close.assertClose;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.testing.Fixtures;

class HypernetworkTest {

    private static final ExecutionContext CTX = ExecutionContext.singleThreaded();

    /** H0 of the pkt_pair fixture applied to the fixture's knowledge gives its laten.translated.*, H1 its fuse.translated.*. */
    @Test
    void translatesFixtureKnowledgeLikeTheReference() {
        SafetensorsFile exp = Fixtures.expected("pkt_pair");
        Set<Module> modules = Set.of(Module.UP, Module.DOWN, Module.V, Module.O);
        for (String stage : new String[] {"H0", "H1"}) {
            Map<String, Tensor> state = new LinkedHashMap<>();
            for (Module m : modules) {
                for (int layer : new int[] {1, 2}) {
                    String n = Hypernetwork.paramName(m, layer);
                    state.put(n, Fixtures.tensor(exp, "laten." + stage + "." + n));
                }
            }
            Hypernetwork h = Hypernetwork.fromStateDict(state, modules);
            assertThat(h.sourceDim()).isEqualTo(64);
            assertThat(h.targetDim()).isEqualTo(48);
            String expectedPrefix = stage.equals("H0") ? "laten.translated." : "fuse.translated.";
            for (Module m : modules) {
                Tensor k = Fixtures.tensor(exp, "knowledge." + m.shortName());
                float[] got = translateStacked(h, m, k);
                assertClose(stage + " " + m.shortName(), got, Fixtures.tensor(exp, expectedPrefix + m.shortName()), 1e-5, 0);
            }
        }
    }

    /** knowledge [layers, n, d_s] (rows) or [layers, d_s, n] (columns) → [layers, n, d_t] or [layers, d_t, n]. */
    static float[] translateStacked(Hypernetwork h, Module m, Tensor k) {
        boolean rows = m == Module.UP || m == Module.V;
        int layers = k.dim(0);
        int n = rows ? k.dim(1) : k.dim(2);
        int ds = h.sourceDim(), dt = h.targetDim();
        float[] all = k.toFloatArray();
        float[] out = new float[layers * n * dt];
        for (int l = 0; l < layers; l++) {
            float[] u = new float[n * ds];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < ds; j++) {
                    u[i * ds + j] = rows ? all[(l * n + i) * ds + j] : all[(l * ds + j) * n + i];
                }
            }
            float[] y = h.translate(CTX, m, u, n).output();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < dt; j++) {
                    out[rows ? (l * n + i) * dt + j : (l * dt + j) * n + i] = y[i * dt + j];
                }
            }
        }
        return out;
    }

    /** ∂L/∂W1, ∂L/∂W2 of L = Σ H(u)·dOut against central differences of a double-precision forward. */
    @Test
    void backwardMatchesFiniteDifferences() {
        int ds = 7, dt = 5, count = 3;
        Hypernetwork h = Hypernetwork.initialise(Set.of(Module.UP), ds, dt, 11, 0.5);
        SplittableRandom rng = new SplittableRandom(3);
        float[] u = new float[count * ds];
        float[] dOut = new float[count * dt];
        for (int i = 0; i < u.length; i++) {
            u[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        for (int i = 0; i < dOut.length; i++) {
            dOut[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        Hypernetwork.Translation t = h.translate(CTX, Module.UP, u, count);
        h.backward(CTX, t, dOut);
        Hypernetwork.Mlp net = h.net(Module.UP);
        double[] w1 = toDouble(net.w1()), w2 = toDouble(net.w2());
        double eps = 1e-6;
        for (int which = 0; which < 2; which++) {
            double[] w = which == 0 ? w1 : w2;
            float[] g = which == 0 ? net.grad1() : net.grad2();
            for (int i = 0; i < w.length; i++) {
                double keep = w[i];
                w[i] = keep + eps;
                double lp = loss(w1, w2, u, dOut, ds, dt, count);
                w[i] = keep - eps;
                double lm = loss(w1, w2, u, dOut, ds, dt, count);
                w[i] = keep;
                double fd = (lp - lm) / (2 * eps);
                assertThat((double) g[i]).as("grad W%d[%d]", which + 1, i).isCloseTo(fd, org.assertj.core.data.Offset.offset(1e-5 + 1e-4 * Math.abs(fd)));
            }
        }
    }

    private static double loss(double[] w1, double[] w2, float[] u, float[] dOut, int ds, int dt, int count) {
        double l = 0;
        for (int c = 0; c < count; c++) {
            double[] hid = new double[ds];
            for (int i = 0; i < ds; i++) {
                double s = 0;
                for (int j = 0; j < ds; j++) {
                    s += w1[i * ds + j] * u[c * ds + j];
                }
                hid[i] = Math.max(0, s);
            }
            for (int o = 0; o < dt; o++) {
                double s = 0;
                for (int i = 0; i < ds; i++) {
                    s += w2[o * ds + i] * hid[i];
                }
                l += s * dOut[c * dt + o];
            }
        }
        return l;
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }
}
