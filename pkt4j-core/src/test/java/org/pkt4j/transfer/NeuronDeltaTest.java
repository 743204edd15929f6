package org.pkt4j.transfer;

import static org.pkt4j.testing.Close.assertClose;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pkt4j.llama.WeightDelta;
import org.pkt4j.tensor.ExecutionContext;

/** The sparse row/column delta equals the dense delta it represents, forward and backward. */
class NeuronDeltaTest {

    @ParameterizedTest
    @EnumSource(NeuronDelta.Kind.class)
    void matchesTheDenseDelta(NeuronDelta.Kind kind) {
        int out = 9, in = 13, rows = 4;
        int[] neurons = kind == NeuronDelta.Kind.ROWS ? new int[] {7, 0, 3} : new int[] {12, 5, 1, 8};
        int width = kind == NeuronDelta.Kind.ROWS ? in : out;
        SplittableRandom rng = new SplittableRandom(5);
        float[] delta = random(rng, neurons.length * width);
        float[] x = random(rng, rows * in);
        float[] dy = random(rng, rows * out);
        NeuronDelta sparse = new NeuronDelta(kind, neurons, delta, out, in);
        WeightDelta dense = new WeightDelta(sparse.dense(), out, in);
        ExecutionContext ctx = ExecutionContext.singleThreaded();

        float[] y1 = random(new SplittableRandom(9), rows * out);
        float[] y2 = y1.clone();
        sparse.forward(ctx, x, rows, y1);
        dense.forward(ctx, x, rows, y2);
        assertClose("forward", y1, y2, 1e-6, 1e-6);

        float[] dx1 = new float[rows * in];
        float[] dx2 = new float[rows * in];
        sparse.backward(ctx, x, dy, rows, dx1);
        dense.backward(ctx, x, dy, rows, dx2);
        assertClose("dx", dx1, dx2, 1e-6, 1e-6);
        // ∂L/∂δ_i is the dense gradient read at the neuron's row or column
        float[] gather = new float[neurons.length * width];
        for (int i = 0; i < neurons.length; i++) {
            for (int j = 0; j < width; j++) {
                gather[i * width + j] = kind == NeuronDelta.Kind.ROWS ? dense.grad()[neurons[i] * in + j] : dense.grad()[j * in + neurons[i]];
            }
        }
        assertClose("dδ", sparse.grad(), gather, 1e-6, 1e-6);
    }

    private static float[] random(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return a;
    }
}
