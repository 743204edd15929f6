package org.pkt4j.transfer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pkt4j.llama.Llama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.Tensor;

/**
 * Adds deltas to a model's weights permanently (LaTen's fuse, the direct-injection baseline, LoRA merges):
 * the result keeps every tensor's name and stored dtype; untouched tensors stay the original (mapped) views,
 * touched ones become heap copies where each changed element is {@code round(w + δ)} computed in double and
 * rounded once to the stored dtype.
 */
public final class Fusion {
    private Fusion() {
    }

    /**
     * @param model  the model whose weights receive the deltas
     * @param deltas weight name -> dense Δ [out, in] (fp32), added element-wise
     * @return all tensors of the model by name, the named ones replaced by W + Δ
     */
    public static Map<String, Tensor> fuse(Llama model, Map<String, float[]> deltas) {
        Map<String, Tensor> out = new LinkedHashMap<>(model.tensors());
        for (Map.Entry<String, float[]> e : deltas.entrySet()) {
            Tensor w = out.get(e.getKey());
            if (w == null) {
                throw new IllegalArgumentException("cannot fuse into missing tensor " + e.getKey());
            }
            float[] d = e.getValue();
            if (d.length != w.numel()) {
                throw new IllegalArgumentException("delta for " + e.getKey() + " has " + d.length + " values, tensor " + w.shapeString() + " has " + w.numel());
            }
            out.put(e.getKey(), add(w, d));
        }
        return out;
    }

    /** A heap copy of {@code w} (same dtype and shape) with {@code delta} added where it is non-zero. */
    public static Tensor add(Tensor w, float[] delta) {
        DType dt = w.dtype();
        MemorySegment copy = dt == DType.F32 ? MemorySegment.ofArray(new float[(int) w.numel()]) : MemorySegment.ofArray(new short[(int) w.numel()]);
        MemorySegment.copy(w.data(), 0, copy, 0, w.data().byteSize());
        Tensor t = new Tensor(w.name(), dt, w.shape(), copy);
        for (int i = 0; i < delta.length; i++) {
            if (delta[i] != 0f) {
                t.setFloat(i, (float) ((double) w.getFloat(i) + delta[i]));
            }
        }
        return t;
    }

    /** The number of elements whose stored bits differ between two tensors of the same shape and dtype. */
    public static long changedElements(Tensor a, Tensor b) {
        long n = 0;
        int bytes = a.dtype().bytes();
        for (long i = 0; i < a.numel(); i++) {
            boolean same = bytes == 4
                    ? a.data().getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i) == b.data().getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i)
                    : a.data().getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i) == b.data().getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i);
            if (!same) {
                n++;
            }
        }
        return n;
    }
}
