package org.pkt4j.io.safetensors;

import java.util.Arrays;
import java.util.function.Supplier;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.Tensor;

/**
 * A tensor to be written whose bytes are produced only when the writer reaches it. The header needs just
 * the name, dtype and shape, so a conversion (dtype rounding, the llama2.c q/k permutation) holds one
 * converted tensor at a time instead of a copy of the whole model.
 *
 * @param name  the name written to the header
 * @param dtype the stored dtype
 * @param shape the shape
 * @param data  produces the tensor (same dtype and shape) when its bytes are due; called once
 */
public record PendingTensor(String name, DType dtype, long[] shape, Supplier<Tensor> data) {

    public PendingTensor {
        shape = shape.clone();
    }

    /** A tensor already in memory (or memory-mapped), written under {@code name}. */
    public static PendingTensor of(String name, Tensor t) {
        return new PendingTensor(name, t.dtype(), t.shape(), () -> t);
    }

    /** {@code t} stored as {@code to}; see {@link #as}. */
    public static PendingTensor converted(String name, Tensor t, DType to) {
        return of(name, t).as(to);
    }

    /**
     * This tensor stored as {@code to}: a float tensor is rounded to nearest even when narrowed, when its
     * bytes are due; a tensor already in {@code to}, and a non-float one (ids), is written unchanged.
     */
    public PendingTensor as(DType to) {
        if (!dtype.isFloat() || dtype == to) {
            return this;
        }
        if (!to.isFloat()) {
            throw new IllegalArgumentException("tensor " + name + ": cannot convert " + dtype + " to " + to);
        }
        return new PendingTensor(name, to, shape, () -> convert(name, produce(), to));
    }

    /** Bytes this tensor takes in the file. */
    public long byteSize() {
        long n = dtype.bytes();
        for (long s : shape) {
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    /** Produces the tensor, checked against the declared dtype and shape (the header was written from them). */
    public Tensor produce() {
        Tensor t = data.get();
        if (t.dtype() != dtype || !Arrays.equals(t.shape(), shape)) {
            throw new IllegalStateException("tensor " + name + ": produced " + t.dtype() + Arrays.toString(t.shape())
                    + " but declared " + dtype + Arrays.toString(shape));
        }
        return t;
    }

    /**
     * Element-wise rounding into a fresh tensor. A finite value that becomes infinite (above 65504 for F16)
     * is an error naming the tensor: writing inf would silently break the model.
     */
    private static Tensor convert(String name, Tensor src, DType to) {
        Tensor out = Tensor.allocate(name, to, src.shape());
        long n = src.numel();
        for (long i = 0; i < n; i++) {
            float v = src.getFloat(i);
            out.setFloat(i, v);
            // only values of magnitude >= 65504 (F16's max) can overflow F16 or BF16: test those alone
            if (Math.abs(v) >= 65504f && Float.isFinite(v) && Float.isInfinite(out.getFloat(i))) {
                throw new IllegalArgumentException("tensor " + name + ": value " + v + " at index " + i
                        + " is outside the range of " + to.torchName() + " (it would become infinite)");
            }
        }
        return out;
    }
}
