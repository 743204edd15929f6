package org.pkt4j.transfer;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.pkt4j.llama.Module;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.tensor.kernel.MatMul;

/**
 * The "no alignment" baseline's fixed maps (PKT-SPEC §4, direct injection), the same for every module:
 * <ul>
 *   <li>{@link Kind#TRUNCATE}: the first d_t coordinates of each d_s vector (zero-padded when d_t > d_s);</li>
 *   <li>{@link Kind#RANDOM}: {@code u ↦ P u} with a seeded random P [d_t, d_s] whose rows are orthonormal
 *       (Gram–Schmidt of a Gaussian matrix, in double); when d_t > d_s rows cannot be orthonormal, and P has
 *       orthonormal columns instead (an isometric embedding).</li>
 * </ul>
 */
public final class DirectMap implements KnowledgeMap {

    public enum Kind {
        TRUNCATE, RANDOM;

        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses truncate / random; null when unknown. */
        public static Kind parse(String s) {
            for (Kind k : values()) {
                if (k.cliName().equals(s.strip().toLowerCase(Locale.ROOT))) {
                    return k;
                }
            }
            return null;
        }
    }

    private final Kind kind;
    private final int ds;
    private final int dt;
    private final long seed;
    private final Tensor projection;

    private DirectMap(Kind kind, int ds, int dt, long seed, float[] p) {
        this.kind = kind;
        this.ds = ds;
        this.dt = dt;
        this.seed = seed;
        this.projection = p == null ? null : Tensor.ofFloats("P", p, dt, ds);
    }

    public static DirectMap truncate(int ds, int dt) {
        return new DirectMap(Kind.TRUNCATE, ds, dt, 0, null);
    }

    public static DirectMap random(int ds, int dt, long seed) {
        return new DirectMap(Kind.RANDOM, ds, dt, seed, orthonormal(ds, dt, seed));
    }

    public static DirectMap of(Kind kind, int ds, int dt, long seed) {
        return kind == Kind.TRUNCATE ? truncate(ds, dt) : random(ds, dt, seed);
    }

    public Kind kind() {
        return kind;
    }

    /** P [d_t, d_s] (null for truncation, which copies instead of multiplying). */
    public float[] projection() {
        return projection == null ? null : projection.toFloatArray();
    }

    @Override
    public int sourceDim() {
        return ds;
    }

    @Override
    public int targetDim() {
        return dt;
    }

    @Override
    public float[] map(ExecutionContext ctx, Module m, float[] u, int count) {
        if (u.length != count * ds) {
            throw new IllegalArgumentException("map " + m.shortName() + ": expected " + count + " x " + ds + " inputs, got " + u.length);
        }
        float[] out = new float[count * dt];
        if (kind == Kind.TRUNCATE) {
            int w = Math.min(ds, dt);
            for (int i = 0; i < count; i++) {
                System.arraycopy(u, i * ds, out, i * dt, w);
            }
        } else {
            MatMul.linear(ctx, u, 0, count, ds, projection, out, 0, false);
        }
        return out;
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("map", kind.cliName());
        if (kind == Kind.TRUNCATE) {
            d.put("what", dt <= ds ? "the first d_t coordinates" : "the d_s coordinates, zero-padded to d_t");
        } else {
            d.put("what", dt <= ds ? "a random projection with orthonormal rows" : "a random isometric embedding (orthonormal columns)");
            d.put("seed", seed);
        }
        return d;
    }

    /** Gram–Schmidt (twice, for stability) on the shorter side of a seeded Gaussian [d_t, d_s]. */
    static float[] orthonormal(int ds, int dt, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] g = new double[dt][ds];
        for (double[] row : g) {
            for (int j = 0; j < ds; j++) {
                row[j] = RandomLlama.gaussian(rng);
            }
        }
        boolean rows = dt <= ds;
        int n = rows ? dt : ds, len = rows ? ds : dt;
        double[][] v = new double[n][len];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < len; b++) {
                v[a][b] = rows ? g[a][b] : g[b][a];
            }
        }
        for (int a = 0; a < n; a++) {
            for (int pass = 0; pass < 2; pass++) {
                for (int c = 0; c < a; c++) {
                    double dot = 0;
                    for (int b = 0; b < len; b++) {
                        dot += v[a][b] * v[c][b];
                    }
                    for (int b = 0; b < len; b++) {
                        v[a][b] -= dot * v[c][b];
                    }
                }
            }
            double norm = 0;
            for (int b = 0; b < len; b++) {
                norm += v[a][b] * v[a][b];
            }
            norm = Math.sqrt(norm);
            for (int b = 0; b < len; b++) {
                v[a][b] /= norm;
            }
        }
        float[] p = new float[dt * ds];
        for (int i = 0; i < dt; i++) {
            for (int j = 0; j < ds; j++) {
                p[i * ds + j] = (float) (rows ? v[i][j] : v[j][i]);
            }
        }
        return p;
    }
}
