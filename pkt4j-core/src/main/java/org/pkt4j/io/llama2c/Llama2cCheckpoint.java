package org.pkt4j.io.llama2c;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.hf.HfConfig;
import org.pkt4j.io.safetensors.PendingTensor;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.Tensor;

/**
 * A llama2.c {@code .bin} checkpoint, memory-mapped, presented under Hugging Face tensor names (layout in
 * {@code package-info.java}). Every tensor is a view over the mapping except wq and wk, whose rows must be
 * permuted to the rotate_half layout: those are copied, one tensor at a time, when asked for.
 */
public final class Llama2cCheckpoint {
    /** "ak42" read as a little-endian uint32: the first word of a version-1 file. */
    public static final int MAGIC = 0x616b3432;
    private static final int LEGACY_HEADER = 7 * Integer.BYTES;
    private static final int V1_HEADER = 256;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final int version;
    private final LlamaConfig config;
    private final MemorySegment mapped;
    private final Map<String, Entry> entries;

    /** Where a tensor lies in the file; {@code ropeHeads} > 0 marks wq/wk (rows permuted per head). */
    private record Entry(long offset, long[] shape, int ropeHeads) {
    }

    private Llama2cCheckpoint(Path file, int version, LlamaConfig config, MemorySegment mapped, Map<String, Entry> entries) {
        this.file = file;
        this.version = version;
        this.config = config;
        this.mapped = mapped;
        this.entries = entries;
    }

    /** Maps {@code file} and checks its header and its size against the layout the header implies. */
    public static Llama2cCheckpoint open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "llama2.c checkpoint not found");
        }
        MemorySegment m;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() < LEGACY_HEADER) {
                throw new FormatException(file, "truncated llama2.c checkpoint: " + ch.size()
                        + " bytes, expected at least " + LEGACY_HEADER + " (the header)");
            }
            m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.ofAuto());
        }
        long size = m.byteSize();
        int version;
        int h0;
        boolean shared;
        if (m.get(INT, 0) == MAGIC) {
            version = m.get(INT, 4);
            if (version != 1) {
                throw new FormatException(file, "llama2.c file version " + version + " is not supported (expected 0 or 1;"
                        + " version 2 is int8-quantized: export with --version 1)");
            }
            if (size < V1_HEADER) {
                throw new FormatException(file, "truncated llama2.c checkpoint: " + size + " bytes, expected at least "
                        + V1_HEADER + " (the version-1 header)");
            }
            h0 = 8;
            byte flag = m.get(ValueLayout.JAVA_BYTE, 8 + LEGACY_HEADER);
            if (flag != 0 && flag != 1) {
                throw new FormatException(file, "header field shared_classifier: expected 0 or 1, got " + flag);
            }
            shared = flag == 1;
            if (m.get(INT, h0 + 20) <= 0) {
                throw new FormatException(file, "header field vocab_size: expected a positive integer in a version-1 file, got "
                        + m.get(INT, h0 + 20));
            }
        } else {
            version = 0;
            h0 = 0;
            // the legacy header flags an unshared classifier with a negative vocab_size
            shared = m.get(INT, 20) > 0;
        }
        String[] names = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
        int[] h = new int[names.length];
        for (int i = 0; i < h.length; i++) {
            h[i] = m.get(INT, h0 + 4L * i);
            if (i == 5) {
                h[i] = Math.abs(h[i]);
            }
            if (h[i] <= 0) {
                throw new FormatException(file, "header field " + names[i] + ": expected a positive integer, got " + h[i]
                        + " (is this a llama2.c model checkpoint?)");
            }
        }
        int d = h[0], f = h[1], layers = h[2], heads = h[3], kv = h[4], vocab = h[5], seqLen = h[6];
        if (d % heads != 0 || heads % kv != 0 || (d / heads) % 2 != 0) {
            throw new FormatException(file, "header: dim " + d + ", n_heads " + heads + ", n_kv_heads " + kv
                    + ": expected dim divisible by n_heads into an even head size and n_heads a multiple of n_kv_heads");
        }
        LlamaConfig config = new LlamaConfig("llama", d, f, layers, heads, kv, d / heads, vocab, 1e-5,
                LlamaConfig.RopeConfig.plain(10000), shared, false, false, false, 1, List.of(2), seqLen, 0,
                DType.F32.torchName());
        Map<String, Entry> entries = new LinkedHashMap<>();
        long end = version == 0 ? legacyLayout(config, entries, size) : v1Layout(config, entries);
        if (end != size) {
            throw new FormatException(file, "size " + size + " bytes does not match its header (dim " + d + ", hidden_dim "
                    + f + ", n_layers " + layers + ", n_heads " + heads + ", n_kv_heads " + kv + ", vocab_size " + vocab
                    + (shared ? "" : " unshared") + ", seq_len " + seqLen + "): expected " + end + " bytes");
        }
        return new Llama2cCheckpoint(file, version, config, m, Collections.unmodifiableMap(entries));
    }

    /**
     * Version 0. Exporters write the RoPE tables (2 × seq_len × hd/2 floats) before wcls; a file without
     * them is also accepted, told apart by its size. Returns the end offset the layout implies.
     */
    private static long legacyLayout(LlamaConfig c, Map<String, Entry> out, long size) {
        Layout lay = new Layout(LEGACY_HEADER, c);
        lay.embed(out);
        lay.perLayer(out, "input_layernorm.weight", 0, c.hiddenSize());
        lay.attention(out);
        lay.perLayer(out, "post_attention_layernorm.weight", 0, c.hiddenSize());
        lay.mlp(out);
        lay.take(out, "model.norm.weight", 0, c.hiddenSize());
        long withoutTables = lay.offset + (c.tieWordEmbeddings() ? 0 : 4L * c.vocabSize() * c.hiddenSize());
        if (size != withoutTables) {
            lay.offset += 2L * Float.BYTES * c.maxPositionEmbeddings() * (c.headDim() / 2);
        }
        lay.head(out);
        return lay.offset;
    }

    /** Version 1: norms first, then the embedding and the matrices; no RoPE tables. */
    private static long v1Layout(LlamaConfig c, Map<String, Entry> out) {
        Layout lay = new Layout(V1_HEADER, c);
        lay.perLayer(out, "input_layernorm.weight", 0, c.hiddenSize());
        lay.perLayer(out, "post_attention_layernorm.weight", 0, c.hiddenSize());
        lay.take(out, "model.norm.weight", 0, c.hiddenSize());
        lay.embed(out);
        lay.attention(out);
        lay.mlp(out);
        lay.head(out);
        return lay.offset;
    }

    /** A cursor over the fp32 weights; llama2.c stores each weight kind for all layers contiguously. */
    private static final class Layout {
        long offset;
        final LlamaConfig c;

        Layout(long offset, LlamaConfig c) {
            this.offset = offset;
            this.c = c;
        }

        void take(Map<String, Entry> out, String name, int ropeHeads, long... shape) {
            long n = Float.BYTES;
            for (long s : shape) {
                n *= s;
            }
            out.put(name, new Entry(offset, shape, ropeHeads));
            offset += n;
        }

        void perLayer(Map<String, Entry> out, String suffix, int ropeHeads, long... shape) {
            for (int l = 0; l < c.numLayers(); l++) {
                take(out, "model.layers." + l + "." + suffix, ropeHeads, shape);
            }
        }

        void embed(Map<String, Entry> out) {
            take(out, "model.embed_tokens.weight", 0, c.vocabSize(), c.hiddenSize());
        }

        void attention(Map<String, Entry> out) {
            int d = c.hiddenSize();
            perLayer(out, "self_attn.q_proj.weight", c.numHeads(), c.qDim(), d);
            perLayer(out, "self_attn.k_proj.weight", c.numKvHeads(), c.kvDim(), d);
            perLayer(out, "self_attn.v_proj.weight", 0, c.kvDim(), d);
            perLayer(out, "self_attn.o_proj.weight", 0, d, c.qDim());
        }

        void mlp(Map<String, Entry> out) {
            int d = c.hiddenSize(), f = c.intermediateSize();
            perLayer(out, "mlp.gate_proj.weight", 0, f, d);   // w1
            perLayer(out, "mlp.down_proj.weight", 0, d, f);   // w2
            perLayer(out, "mlp.up_proj.weight", 0, f, d);     // w3
        }

        void head(Map<String, Entry> out) {
            if (!c.tieWordEmbeddings()) {
                take(out, "lm_head.weight", 0, c.vocabSize(), c.hiddenSize());
            }
        }
    }

    public Path file() {
        return file;
    }

    /** 0 for the legacy header, 1 for "ak42" version 1. */
    public int version() {
        return version;
    }

    public LlamaConfig config() {
        return config;
    }

    /** config.json of the equivalent Hugging Face model (transformers 4.x names). */
    public ObjectNode configJson() {
        return HfConfig.toJson(config);
    }

    /** Hugging Face names of every tensor, in file order. */
    public List<String> names() {
        return new ArrayList<>(entries.keySet());
    }

    /**
     * The named tensor in Hugging Face layout: a view over the mapping, or, for q_proj/k_proj, a fresh copy
     * with rows permuted to rotate_half order.
     */
    public Tensor tensor(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException("no tensor " + name + " in a llama2.c checkpoint");
        }
        long n = DType.F32.bytes();
        for (long s : e.shape) {
            n *= s;
        }
        Tensor t = new Tensor(name, DType.F32, e.shape.clone(), mapped.asSlice(e.offset, n));
        return e.ropeHeads == 0 ? t : interleavedToHalves(t, e.ropeHeads);
    }

    /** Every tensor for writing, produced (and permuted, and rounded to {@code dtype}) one at a time. */
    public List<PendingTensor> pending(DType dtype) {
        List<PendingTensor> out = new ArrayList<>();
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            out.add(new PendingTensor(e.getKey(), DType.F32, e.getValue().shape, () -> tensor(e.getKey())).as(dtype));
        }
        return out;
    }

    /** The model, with weights viewed from the mapping (q/k copied once, permuted). */
    public Llama load() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String name : entries.keySet()) {
            tensors.put(name, tensor(name));
        }
        return Llama.of(config, tensors);
    }

    /**
     * Meta's interleaved RoPE rows to Hugging Face's halves, per head of hd rows: row 2i + j of the head
     * becomes row j·hd/2 + i (i < hd/2, j ∈ {0, 1}), so the pair rotated together, (2i, 2i+1), lands at
     * (i, i + hd/2). Same dtype, fresh memory.
     */
    public static Tensor interleavedToHalves(Tensor w, int heads) {
        int rows = w.rows();
        if (rows % heads != 0 || (rows / heads) % 2 != 0) {
            throw new IllegalArgumentException(w.name() + ": " + rows + " rows do not split into " + heads + " heads of even size");
        }
        int hd = rows / heads, half = hd / 2;
        long rowBytes = (long) w.cols() * w.dtype().bytes();
        Tensor out = Tensor.allocate(w.name(), w.dtype(), w.shape());
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    long src = (long) h * hd + 2L * i + j;
                    long dst = (long) h * hd + (long) j * half + i;
                    MemorySegment.copy(w.data(), src * rowBytes, out.data(), dst * rowBytes, rowBytes);
                }
            }
        }
        return out;
    }
}
