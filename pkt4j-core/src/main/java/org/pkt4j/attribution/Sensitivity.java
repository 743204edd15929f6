package org.pkt4j.attribution;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.Json;
import org.pkt4j.io.safetensors.SafetensorsWriter;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.tensor.Tensor;

/**
 * Gradient sensitivities of a model's weights over seed examples (PKT-SPEC §5 steps 1–2):
 * {@code S_θ = Σ_examples |θ ⊙ ∂L/∂θ|} elementwise for the mapped tensors, its total for every tensor, and the
 * layer ranking the reference's {@code select_top_k_layers} makes from them.
 */
public final class Sensitivity {
    public static final String FORMAT = "pkt4j.sensitivity/1";

    private final LlamaConfig config;
    private final Map<String, long[]> shapes;
    private final Map<String, float[]> maps;
    private final Map<String, Double> sums;
    private final List<String> exampleIds;
    private final double[] losses;

    Sensitivity(LlamaConfig config, Map<String, long[]> shapes, Map<String, float[]> maps, Map<String, Double> sums, List<String> exampleIds,
                double[] losses) {
        this.config = config;
        this.shapes = Map.copyOf(shapes);
        this.maps = Collections.unmodifiableMap(new LinkedHashMap<>(maps));
        this.sums = Collections.unmodifiableMap(new LinkedHashMap<>(sums));
        this.exampleIds = List.copyOf(exampleIds);
        this.losses = losses.clone();
    }

    public LlamaConfig config() {
        return config;
    }

    /** Whether {@code name} has an elementwise map. */
    public boolean isMapped(String name) {
        return maps.containsKey(name);
    }

    /** The elementwise sensitivity of a weight, shaped like it (row-major, fp32; not a copy). */
    public float[] map(String name) {
        float[] m = maps.get(name);
        if (m == null) {
            throw new IllegalArgumentException("no elementwise sensitivity of " + name + (sums.containsKey(name)
                    ? " (only its total was kept)" : " (no such weight)"));
        }
        return m;
    }

    /** Σ over the tensor of its sensitivity. */
    public double sum(String name) {
        Double s = sums.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no weight named " + name);
        }
        return s;
    }

    /** Every tensor's total, in the model's tensor order. */
    public Map<String, Double> sums() {
        return sums;
    }

    /** The seed examples' ids, in processing order. */
    public List<String> exampleIds() {
        return exampleIds;
    }

    /** Each seed example's loss (mean cross-entropy over its answer tokens). */
    public double[] losses() {
        return losses.clone();
    }

    /**
     * Per layer l: the sum over ALL tensors named {@code model.layers.l.*} — norm weights and biases included, as the
     * reference's {@code select_top_k_layers} sums every parameter whose name holds "layers".
     */
    public double[] layerScores() {
        double[] out = new double[config.numLayers()];
        sums.forEach((name, s) -> {
            if (name.startsWith("model.layers.")) {
                int dot = name.indexOf('.', "model.layers.".length());
                out[Integer.parseInt(name.substring("model.layers.".length(), dot))] += s;
            }
        });
        return out;
    }

    /**
     * Layers by descending score. The reference sorts with Python's stable {@code sorted(..., reverse=True)}, so on an
     * exact tie the LOWER layer index comes first (unlike LaTen's {@code sorted(...)[::-1]}).
     */
    public int[] layerOrder() {
        double[] s = layerScores();
        Integer[] idx = new Integer[s.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Double.compare(s[b], s[a]));
        return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
    }

    /**
     * Writes the totals, the layer ranking, the examples and their losses as JSON ({@value #FORMAT}), and with
     * {@code withMaps} the elementwise maps, shaped like their weights (fp32), in the {@code .safetensors} beside it.
     *
     * @param extra further entries for the JSON (model path, data checksum, kept layers, ...)
     */
    public void write(Path json, boolean withMaps, Map<String, Object> extra, boolean force) throws IOException {
        Path st = Located.scoresFile(json);
        AtomicFiles.checkWritable(json, force, "--force");
        if (withMaps) {
            AtomicFiles.checkWritable(st, force, "--force");
            List<Tensor> tensors = new ArrayList<>();
            maps.forEach((n, m) -> tensors.add(Tensor.ofFloats(n, m, shapes.get(n))));
            SafetensorsWriter.write(st, tensors, Map.of("format", FORMAT));
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", FORMAT);
        root.putAll(extra);
        root.put("examples", exampleIds);
        root.put("losses", losses);
        root.put("layer_scores", layerScores());
        root.put("layer_order", layerOrder());
        root.put("tensor_sums", sums);
        root.put("maps_file", withMaps ? st.getFileName().toString() : null);
        Json.writeFile(json, root);
    }

    /** The top {@code n} layers of {@link #layerOrder}, sorted ascending (kept layer j maps to target layer j). */
    public int[] keptLayers(int n) {
        if (n < 1 || n > config.numLayers()) {
            throw new IllegalArgumentException("cannot keep " + n + " of the model's " + config.numLayers() + " layers");
        }
        int[] kept = Arrays.copyOf(layerOrder(), n);
        Arrays.sort(kept);
        return kept;
    }
}
