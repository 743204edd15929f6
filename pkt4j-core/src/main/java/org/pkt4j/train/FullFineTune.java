package org.pkt4j.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.Gradients;
import org.pkt4j.llama.Llama;
import org.pkt4j.tensor.Tensor;

/**
 * Full (or partial) fine-tuning: the chosen weights get fp32 master copies that the forward reads and the
 * optimizer updates, whatever their stored dtype; every other weight stays memory-mapped as stored. Weight
 * decay skips norm weights and biases (as Hugging Face's Trainer does).
 */
public final class FullFineTune implements TrainableModel {
    private final Llama base;
    private final Llama model;
    private final Gradients gradients;
    private final List<Param> params;
    private final Map<String, float[]> values;

    private FullFineTune(Llama base, Predicate<String> trainable, Predicate<String> decays) {
        this.base = base;
        Map<String, Tensor> tensors = new LinkedHashMap<>(base.tensors());
        Map<String, float[]> vals = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : base.tensors().entrySet()) {
            if (trainable.test(e.getKey())) {
                float[] v = e.getValue().toFloatArray();
                vals.put(e.getKey(), v);
                tensors.put(e.getKey(), Tensor.ofFloats(e.getKey(), v, e.getValue().shape()));
            }
        }
        if (vals.isEmpty()) {
            throw new IllegalArgumentException("no weight of the model is selected for training");
        }
        this.values = Collections.unmodifiableMap(vals);
        this.model = Llama.of(base.config(), tensors);
        this.gradients = Gradients.of(model, vals.keySet());
        List<Param> ps = new ArrayList<>();
        vals.forEach((name, v) -> ps.add(new Param(name, v, gradients.get(name), base.tensors().get(name).shape(),
                decays.test(name))));
        this.params = List.copyOf(ps);
    }

    /** Trains the weights whose name passes {@code trainable}. */
    public static FullFineTune of(Llama base, Predicate<String> trainable) {
        return new FullFineTune(base, trainable, FullFineTune::decaysByDefault);
    }

    /** Trains the weights whose name passes {@code trainable}; weight decay applies to those passing {@code decays}. */
    public static FullFineTune of(Llama base, Predicate<String> trainable, Predicate<String> decays) {
        return new FullFineTune(base, trainable, decays);
    }

    /** Trains every weight. */
    public static FullFineTune all(Llama base) {
        return of(base, n -> true);
    }

    /** Hugging Face's rule: every weight but norm weights and biases. */
    public static boolean decaysByDefault(String name) {
        return !(name.endsWith("norm.weight") || name.endsWith(".bias"));
    }

    public Llama base() {
        return base;
    }

    @Override
    public Llama model() {
        return model;
    }

    @Override
    public Adapters adapters() {
        return Adapters.NONE;
    }

    @Override
    public Gradients gradients() {
        return gradients;
    }

    @Override
    public List<Param> params() {
        return params;
    }

    /** The trained fp32 values by tensor name (live arrays). */
    public Map<String, float[]> values() {
        return values;
    }

    /** Writes the trained model like its base checkpoint (names, dtypes, sharding, tokenizer files). */
    public void write(Path dest, boolean force) throws IOException {
        ModelExport.write(base, values, dest, force);
    }
}
