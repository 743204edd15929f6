package org.pkt4j.llama;

/**
 * Keys (after RoPE) and values of every layer for positions [0, length), as {@code k[layer][pos * kvDim + j]}.
 * Capacity is fixed up front; a forward call appends its positions.
 */
public final class KvCache {
    private final float[][] keys;
    private final float[][] values;
    private final int kvDim;
    private final int capacity;
    private int length;

    public KvCache(LlamaConfig config, int capacity) {
        this.kvDim = config.kvDim();
        this.capacity = capacity;
        this.keys = new float[config.numLayers()][Math.multiplyExact(capacity, kvDim)];
        this.values = new float[config.numLayers()][Math.multiplyExact(capacity, kvDim)];
    }

    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    public int kvDim() {
        return kvDim;
    }

    public float[] keys(int layer) {
        return keys[layer];
    }

    public float[] values(int layer) {
        return values[layer];
    }

    /** Marks {@code n} more positions as filled (called once per forward, after every layer wrote them). */
    void advance(int n) {
        length += n;
    }

    /** Drops positions from {@code newLength} on (to re-run a suffix). */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("truncate to " + newLength + " outside [0, " + length + "]");
        }
        length = newLength;
    }

    /** Bytes held by this cache. */
    public long bytes() {
        return 2L * keys.length * capacity * kvDim * Float.BYTES;
    }
}
