package org.pkt4j.transfer;

import org.pkt4j.llama.Llama;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.MatMul;

/**
 * Copies located neurons' parameters out of a model (PKT-SPEC §3): for each kept layer, in the selection's
 * order, the rows of {@code W_up} / {@code W_v} or the columns of {@code W_down} / {@code W_o}, stacked over
 * the kept layers. The copies are fp32 (exact for F32 and BF16 weights); they are small (rate × one matrix
 * per kept layer), unlike the frozen weights, which stay mapped.
 */
public final class KnowledgeExtraction {
    private KnowledgeExtraction() {
    }

    /** True for the modules whose neurons are rows (up, v); false for columns (down, o). */
    public static boolean isRowModule(Module m) {
        return switch (m) {
            case UP, V -> true;
            case DOWN, O -> false;
            default -> throw new IllegalArgumentException(m.shortName() + " is not extracted (expected up, down, v or o)");
        };
    }

    /**
     * The knowledge of module {@code m}: {@code [layers.length, n, d]} rows for up/v, {@code [layers.length, d, n]}
     * columns for down/o, where row j of {@code neurons} lists layer {@code layers[j]}'s n neurons in order.
     */
    public static Tensor extract(Llama model, Module m, int[] layers, int[][] neurons) {
        if (layers.length != neurons.length || layers.length == 0) {
            throw new IllegalArgumentException("expected one neuron list per kept layer, got " + layers.length + " layers and "
                    + neurons.length + " lists");
        }
        int n = neurons[0].length;
        int d = model.config().hiddenSize();
        float[] out = new float[Math.multiplyExact(layers.length, n * d)];
        boolean rows = isRowModule(m);
        for (int j = 0; j < layers.length; j++) {
            if (neurons[j].length != n) {
                throw new IllegalArgumentException("kept layer " + j + " lists " + neurons[j].length + " neurons, expected " + n);
            }
            Tensor w = model.weight(layers[j], m);
            // neurons index rows of [out, d] matrices (up, v) or columns of [d, in] matrices (down, o)
            int width = rows ? w.rows() : w.cols();
            int base = j * n * d;
            for (int i = 0; i < n; i++) {
                int k = neurons[j][i];
                if (k < 0 || k >= width) {
                    throw new IllegalArgumentException(m.weightName(layers[j]) + " has " + width + (rows ? " rows" : " columns")
                            + ", neuron " + k + " is outside");
                }
                if (rows) {
                    // knowledge[j, i, :] = W[k, :]
                    MatMul.loadRow(w.data(), w.dtype(), (long) k * d, d, out, base + i * d);
                } else {
                    // knowledge[j, :, i] = W[:, k]
                    for (int r = 0; r < d; r++) {
                        out[base + r * n + i] = w.getFloat((long) r * width + k);
                    }
                }
            }
        }
        long[] shape = rows ? new long[] {layers.length, n, d} : new long[] {layers.length, d, n};
        return Tensor.ofFloats(knowledgeName(m), out, shape);
    }

    /** The tensor name of a module's knowledge: {@code knowledge.up_proj}, ... */
    public static String knowledgeName(Module m) {
        return "knowledge." + m.shortName();
    }
}
