package org.pkt4j.train.lora;

import java.util.SplittableRandom;
import org.pkt4j.llama.EmbeddingAdapter;

/**
 * LoRA on the embedding lookup in PEFT's layout: {@code lora_embedding_A} [r, V] and {@code lora_embedding_B}
 * [d, r], {@code e(id) += s · B · A[:, id]}. PEFT applies no dropout to embedding adapters, and neither does
 * this. The backward scatters into the columns of A of the ids seen only.
 */
public final class LoraEmbedding implements EmbeddingAdapter {
    private final int vocab;
    private final int dim;
    private final int rank;
    private final float scale;
    private final float[] a;
    private final float[] b;
    private final float[] gradA;
    private final float[] gradB;

    /** Wraps A [r, V] and B [d, r] (not copied). */
    public LoraEmbedding(int vocab, int dim, int rank, double scale, float[] a, float[] b) {
        if (a.length != rank * vocab || b.length != dim * rank) {
            throw new IllegalArgumentException("embedding LoRA A must be [" + rank + ", " + vocab + "] and B [" + dim + ", "
                    + rank + "], got " + a.length + " and " + b.length + " values");
        }
        this.vocab = vocab;
        this.dim = dim;
        this.rank = rank;
        this.scale = (float) scale;
        this.a = a;
        this.b = b;
        this.gradA = new float[a.length];
        this.gradB = new float[b.length];
    }

    /** PEFT's init for embeddings: A = 0, B ~ N(0, 1). */
    public static LoraEmbedding peftInit(int vocab, int dim, int rank, double scale, SplittableRandom rng) {
        float[] b = new float[dim * rank];
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) org.pkt4j.llama.RandomLlama.gaussian(rng);
        }
        return new LoraEmbedding(vocab, dim, rank, scale, new float[rank * vocab], b);
    }

    public int vocab() {
        return vocab;
    }

    public int dim() {
        return dim;
    }

    public int rank() {
        return rank;
    }

    public float scale() {
        return scale;
    }

    /** lora_embedding_A [r, V]. */
    public float[] a() {
        return a;
    }

    /** lora_embedding_B [d, r]. */
    public float[] b() {
        return b;
    }

    public float[] gradA() {
        return gradA;
    }

    public float[] gradB() {
        return gradB;
    }

    @Override
    public void forward(int[] ids, float[] y) {
        float[] col = new float[rank];
        for (int t = 0; t < ids.length; t++) {
            for (int k = 0; k < rank; k++) {
                col[k] = scale * a[k * vocab + ids[t]];
            }
            for (int i = 0; i < dim; i++) {
                float s = 0f;
                for (int k = 0; k < rank; k++) {
                    s += b[i * rank + k] * col[k];
                }
                y[t * dim + i] += s;
            }
        }
    }

    @Override
    public void backward(int[] ids, float[] dy) {
        for (int t = 0; t < ids.length; t++) {
            int id = ids[t];
            for (int k = 0; k < rank; k++) {
                // dB[i, k] += s·dy[t, i]·A[k, id];  dA[k, id] += s·Σ_i dy[t, i]·B[i, k]
                float ak = scale * a[k * vocab + id];
                float acc = 0f;
                for (int i = 0; i < dim; i++) {
                    float g = dy[t * dim + i];
                    gradB[i * rank + k] += g * ak;
                    acc += g * b[i * rank + k];
                }
                gradA[k * vocab + id] += scale * acc;
            }
        }
    }
}
