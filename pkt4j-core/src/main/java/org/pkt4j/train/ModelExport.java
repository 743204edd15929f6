package org.pkt4j.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pkt4j.io.hf.Checkpoint;
import org.pkt4j.io.hf.CheckpointWriter;
import org.pkt4j.llama.Llama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.Tensor;

/**
 * Writes a trained model as a Hugging Face directory shaped exactly like its base checkpoint: same
 * config.json, tensor names, order, dtypes and sharding, tokenizer files copied; the trained tensors are
 * rounded from fp32 to their stored dtype (round to nearest even), every other tensor is copied as stored.
 */
public final class ModelExport {
    private ModelExport() {
    }

    /**
     * @param base     the model opened from a checkpoint (its layout is the template)
     * @param replaced fp32 values of the tensors that changed, by name, each the size of the base tensor
     */
    public static void write(Llama base, Map<String, float[]> replaced, Path dest, boolean force) throws IOException {
        Checkpoint ck = base.checkpoint();
        if (ck == null) {
            throw new IllegalArgumentException("the base model was built in memory: pass the checkpoint whose layout to write");
        }
        write(ck, replaced, dest, force);
    }

    /**
     * Writes {@code template}'s tensors with {@code replaced} ones substituted (e.g. a model built in memory
     * from modified weights, merged with its adapters, written in the original checkpoint's layout).
     */
    public static void write(Checkpoint ck, Map<String, float[]> replaced, Path dest, boolean force) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : ck.tensors().entrySet()) {
            float[] v = replaced.get(e.getKey());
            out.put(e.getKey(), v == null ? e.getValue() : stored(e.getValue(), v));
        }
        for (String name : replaced.keySet()) {
            if (!ck.tensors().containsKey(name)) {
                throw new IllegalArgumentException("no tensor " + name + " in the base checkpoint " + ck.dir());
            }
        }
        CheckpointWriter.write(dest, ck.configJson(), out, ck.shardOf(), ck.dir(), force);
    }

    /** {@code values} in the dtype and shape of {@code like}. */
    public static Tensor stored(Tensor like, float[] values) {
        if (values.length != like.numel()) {
            throw new IllegalArgumentException("tensor " + like.name() + " has " + like.numel() + " elements, got " + values.length);
        }
        if (like.dtype() == DType.F32) {
            return Tensor.ofFloats(like.name(), values.clone(), like.shape());
        }
        Tensor t = Tensor.allocate(like.name(), like.dtype(), like.shape());
        for (int i = 0; i < values.length; i++) {
            t.setFloat(i, values[i]);
        }
        return t;
    }
}
