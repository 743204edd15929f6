package org.pkt4j.llama;

import org.pkt4j.llama.LlamaConfig.RopeConfig;

/**
 * Rotary position embedding in the Hugging Face {@code rotate_half} layout: for i < hd/2 the pair
 * (x[i], x[i + hd/2]) is rotated by angle {@code position * invFreq[i]}. Angles are computed in double
 * and rounded once, so long positions keep their precision.
 */
public final class Rope {
    private final int headDim;
    private final double[] invFreq;

    public Rope(int headDim, RopeConfig cfg) {
        this.headDim = headDim;
        int half = headDim / 2;
        invFreq = new double[half];
        for (int i = 0; i < half; i++) {
            // HF computes inv_freq in float32 from arange(0, dim, 2) / dim
            invFreq[i] = (float) (1.0 / Math.pow(cfg.theta(), (double) (2 * i) / headDim));
        }
        switch (cfg.type()) {
            case "default" -> { }
            case "linear" -> {
                for (int i = 0; i < half; i++) {
                    invFreq[i] /= cfg.factor();
                }
            }
            case "llama3" -> {
                // transformers _compute_llama3_parameters
                double lowWavelen = cfg.originalMaxPositions() / cfg.lowFreqFactor();
                double highWavelen = cfg.originalMaxPositions() / cfg.highFreqFactor();
                for (int i = 0; i < half; i++) {
                    double f = invFreq[i];
                    double wavelen = 2 * Math.PI / f;
                    if (wavelen > lowWavelen) {
                        invFreq[i] = f / cfg.factor();
                    } else if (wavelen >= highWavelen) {
                        double smooth = (cfg.originalMaxPositions() / wavelen - cfg.lowFreqFactor())
                                / (cfg.highFreqFactor() - cfg.lowFreqFactor());
                        invFreq[i] = (1 - smooth) * f / cfg.factor() + smooth * f;
                    }
                }
            }
            default -> throw new IllegalArgumentException("unsupported rope type " + cfg.type());
        }
    }

    public int headDim() {
        return headDim;
    }

    /** cos and sin tables for positions [pos0, pos0 + n): {@code cos[t * hd/2 + i]}. */
    public float[][] tables(int pos0, int n) {
        int half = headDim / 2;
        float[] cos = new float[n * half];
        float[] sin = new float[n * half];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < half; i++) {
                double a = (double) (pos0 + t) * invFreq[i];
                cos[t * half + i] = (float) Math.cos(a);
                sin[t * half + i] = (float) Math.sin(a);
            }
        }
        return new float[][] {cos, sin};
    }

    /**
     * Rotates {@code heads} head vectors of each of n rows in place: x[t, h*hd + i]. With {@code inverse}
     * the rotation is undone (its transpose), which is also the backward pass of the rotation.
     */
    public void apply(float[] x, int n, int heads, float[][] tables, boolean inverse) {
        float[] cos = tables[0], sin = tables[1];
        int half = headDim / 2;
        int rowLen = heads * headDim;
        for (int t = 0; t < n; t++) {
            for (int h = 0; h < heads; h++) {
                int base = t * rowLen + h * headDim;
                for (int i = 0; i < half; i++) {
                    float c = cos[t * half + i];
                    float s = inverse ? -sin[t * half + i] : sin[t * half + i];
                    float x1 = x[base + i], x2 = x[base + half + i];
                    x[base + i] = x1 * c - x2 * s;
                    x[base + half + i] = x2 * c + x1 * s;
                }
            }
        }
    }
}
