package org.pkt4j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named, typed, row-major view over a memory segment: a memory-mapped weight in its stored dtype,
 * or a heap segment wrapping a {@code float[]} for trainable fp32 parameters. Views never copy.
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data) {

    public Tensor {
        long n = 1;
        for (long s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape) + " of " + name);
            }
            n = Math.multiplyExact(n, s);
        }
        if (data.byteSize() != n * dtype.bytes()) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs " + n * dtype.bytes() + " bytes, data has " + data.byteSize());
        }
    }

    /** Wraps a float array (no copy): the tensor sees later writes to {@code values}. */
    public static Tensor ofFloats(String name, float[] values, long... shape) {
        return new Tensor(name, DType.F32, shape.clone(), MemorySegment.ofArray(values));
    }

    /** A fresh zeroed tensor of the given dtype in a GC-managed off-heap arena. */
    public static Tensor allocate(String name, DType dtype, long... shape) {
        long n = 1;
        for (long s : shape) {
            n = Math.multiplyExact(n, s);
        }
        return new Tensor(name, dtype, shape.clone(), Arena.ofAuto().allocate(n * dtype.bytes(), 8));
    }

    public long numel() {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return Math.toIntExact(shape[i < 0 ? shape.length + i : i]);
    }

    /** Rows of a matrix view (the first dimension; 1 for a vector). */
    public int rows() {
        return shape.length == 1 ? 1 : Math.toIntExact(shape[0]);
    }

    /** Columns of a matrix view (product of all but the first dimension; the length of a vector). */
    public int cols() {
        return shape.length == 1 ? Math.toIntExact(shape[0]) : Math.toIntExact(numel() / shape[0]);
    }

    public float getFloat(long index) {
        return dtype.getFloat(data, index);
    }

    public void setFloat(long index, float value) {
        dtype.setFloat(data, index, value);
    }

    public long getLong(long index) {
        return dtype.getLong(data, index);
    }

    /** Rows [from, to) of a matrix, as a view. */
    public Tensor rowRange(int from, int to) {
        int c = cols();
        long[] s = shape.clone();
        s[0] = to - from;
        return new Tensor(name, dtype, s, data.asSlice((long) from * c * dtype.bytes(), (long) (to - from) * c * dtype.bytes()));
    }

    /** The same bytes under another shape of equal size. */
    public Tensor reshape(long... newShape) {
        return new Tensor(name, dtype, newShape.clone(), data);
    }

    public Tensor withName(String newName) {
        return new Tensor(newName, dtype, shape, data);
    }

    /** Widened copy of all elements (small tensors: tests, biases, norm weights). */
    public float[] toFloatArray() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        if (dtype == DType.F32) {
            MemorySegment.copy(data, DType.F32_LE, 0, out, 0, n);
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = dtype.getFloat(data, i);
            }
        }
        return out;
    }

    public long[] toLongArray() {
        int n = Math.toIntExact(numel());
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = dtype.isFloat() ? (long) getFloat(i) : getLong(i);
        }
        return out;
    }

    public int[] toIntArray() {
        long[] l = toLongArray();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = Math.toIntExact(l[i]);
        }
        return out;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
