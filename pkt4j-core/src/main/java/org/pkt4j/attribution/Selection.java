package org.pkt4j.attribution;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;

/** Layer and neuron selection from attribution scores (PKT-SPEC §2). */
public final class Selection {
    private Selection() {
    }

    /**
     * The top {@code n} layers by score, returned ascending. The ranking is the reference's
     * {@code sorted(range(L), key=score)[::-1]}: a stable ascending sort reversed, so on an exact tie the
     * HIGHER layer index ranks first.
     */
    public static int[] keptLayers(double[] scores, int n) {
        if (n < 1 || n > scores.length) {
            throw new IllegalArgumentException("cannot keep " + n + " of " + scores.length + " layers");
        }
        for (int l = 0; l < scores.length; l++) {
            if (Double.isNaN(scores[l])) {
                throw new IllegalStateException("layer " + l + " has a NaN score");
            }
        }
        Integer[] order = IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.<Integer>comparingDouble(l -> scores[l]).reversed()
                .thenComparing(Comparator.<Integer>reverseOrder()));
        int[] kept = new int[n];
        for (int i = 0; i < n; i++) {
            kept[i] = order[i];
        }
        Arrays.sort(kept);
        return kept;
    }

    /**
     * The indices of the {@code count} largest values, in descending order of value. The reference uses
     * {@code torch.argsort(descending=True)}, which is not stable, so its tie order is unspecified; here ties
     * go to the lower index (deterministic).
     */
    public static int[] topNeurons(float[] scores, int count) {
        if (count < 1 || count > scores.length) {
            throw new IllegalArgumentException("cannot select " + count + " of " + scores.length + " neurons");
        }
        Integer[] order = IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, (a, b) -> {
            int byScore = Float.compare(scores[b], scores[a]);
            return byScore != 0 ? byScore : Integer.compare(a, b);
        });
        int[] top = new int[count];
        for (int i = 0; i < count; i++) {
            top[i] = order[i];
        }
        return top;
    }

    /** The neuron count for a width and a transfer rate: {@code floor(width · rate)} (Python's {@code int(width * rate)}). */
    public static int count(int width, double rate) {
        return (int) Math.floor(width * rate);
    }

    /**
     * |top-k(a) ∩ top-k(b)| / k: how far two scorings (e.g. exact and fast) agree on the k best neurons.
     */
    public static double topKOverlap(float[] a, float[] b, int k) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("score rows differ in length: " + a.length + " vs " + b.length);
        }
        Set<Integer> top = new HashSet<>();
        for (int i : topNeurons(a, k)) {
            top.add(i);
        }
        int common = 0;
        for (int i : topNeurons(b, k)) {
            if (top.contains(i)) {
                common++;
            }
        }
        return (double) common / k;
    }
}
