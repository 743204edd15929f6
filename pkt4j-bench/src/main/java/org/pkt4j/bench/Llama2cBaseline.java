package org.pkt4j.bench;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.Tensor;

/**
 * llama2.c's fp32 decode as a baseline measured in the same run: the random F32 model written in the layout
 * llama2.c's legacy exporter produces (the "version 0" {@code model.bin} every run.c reads), a placeholder
 * {@code tokenizer.bin}, and the binary run as {@code run model.bin -t 0 -n STEPS -z tokenizer.bin} with
 * {@code OMP_NUM_THREADS} set, its "achieved tok/s" line parsed. run.c generates greedily from BOS and times
 * positions 1..STEPS-1, so pkt4j's figure to compare is decode after a one-token prompt over the same
 * positions ({@link ModelBench} with a prompt of 1).
 *
 * <p>Two departures from a faithful export, neither of which changes the work per token: the classifier row
 * of BOS (id 1) is zero, because run.c stops generating when it samples BOS and a random model may well;
 * and the tokenizer's pieces are placeholders ("&lt;0xNN&gt;" bytes, then "t" + id), since only their count
 * matters to the timing.
 */
public final class Llama2cBaseline {
    private Llama2cBaseline() {
    }

    /** The first round warms the JIT up in full (see {@link ModelBench#WARM_UP_NANOS}); later ones run warm. */
    private static long warmUp(int round) {
        return round == 0 ? ModelBench.WARM_UP_NANOS : 0;
    }

    /** A run's tokens/s, or null with the reason. */
    public record Run(Double tokensPerSecond, String note) {
    }

    /**
     * Decode tokens/s over positions 1..steps-1 at one thread count, medians over rounds run in turns: ours
     * with F32 and BF16 weights (null when that checkpoint was not measured), llama2.c (null, with a note,
     * when not run).
     */
    public record Comparison(int threads, int steps, Double f32, Double bf16, Double llama2c, String note) {
    }

    /**
     * Seconds a llama2.c run may take before it is killed and the rest of its rounds skipped: a quiet run of
     * 256 stories110M steps takes ~10 s, while OpenMP's spinning threads have been seen to run 100x slower
     * when another process holds a core.
     */
    static final long TIMEOUT_SECONDS = 120;

    /**
     * Runs {@code rounds} rounds of llama2.c (when {@code binary} is non-null) and ours on the F32 and BF16
     * models, in turns. {@code f32} must be the model the checkpoint was exported from.
     */
    public static Comparison compare(Path binary, Path checkpoint, Path tokenizer, Llama f32, Llama bf16, int steps, int threads,
                                     int rounds, long seed, Consumer<String> progress) {
        List<Double> ours32 = new ArrayList<>(), ours16 = new ArrayList<>(), theirs = new ArrayList<>();
        String note = binary == null ? "llama2.c not run: no --llama2c binary given" : "";
        for (int r = 0; r < rounds; r++) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "decode from position 1, %d thread(s), round %d:", threads, r + 1));
            if (binary != null && note.isEmpty()) {
                Run run = decode(binary, checkpoint, tokenizer, steps, threads, TIMEOUT_SECONDS);
                if (run.tokensPerSecond() == null) {
                    note = "llama2.c " + run.note();
                } else {
                    theirs.add(run.tokensPerSecond());
                    line.append(String.format(Locale.ROOT, " llama2.c %.1f", run.tokensPerSecond()));
                }
            }
            if (f32 != null) {
                ours32.add(ModelBench.run(f32, "F32", threads, 1, steps, 1, seed, warmUp(r)).decodeTokensPerSecond());
                line.append(String.format(Locale.ROOT, " F32 %.1f", ours32.getLast()));
            }
            if (bf16 != null) {
                ours16.add(ModelBench.run(bf16, "BF16", threads, 1, steps, 1, seed, warmUp(r)).decodeTokensPerSecond());
                line.append(String.format(Locale.ROOT, " BF16 %.1f", ours16.getLast()));
            }
            progress.accept(line.toString());
        }
        return new Comparison(threads, steps, medianOrNull(ours32), medianOrNull(ours16), medianOrNull(theirs), note);
    }

    private static Double medianOrNull(List<Double> v) {
        return v.isEmpty() ? null : Timing.median(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static final Pattern ACHIEVED = Pattern.compile("achieved tok/s: ([0-9.eE+-]+)");

    /**
     * Writes {@code model} (any float dtype, written as fp32) as a legacy llama2.c checkpoint for sequences of
     * up to {@code seqLen} positions. Needs what run.c supports: plain Llama, head_dim = d / heads, no biases.
     */
    public static void writeCheckpoint(Llama model, int seqLen, Path file) throws IOException {
        LlamaConfig c = model.config();
        int d = c.hiddenSize(), L = c.numLayers(), hd = c.headDim();
        if (hd * c.numHeads() != d || c.qkvBias() || c.oBias() || c.mlpBias()) {
            throw new IllegalArgumentException("llama2.c supports plain Llama models with head_dim = hidden_size / heads, no biases");
        }
        try (OutputStream raw = Files.newOutputStream(file);
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 20))) {
            int[] header = {d, c.intermediateSize(), L, c.numHeads(), c.numKvHeads(), c.tieWordEmbeddings() ? c.vocabSize() : -c.vocabSize(), seqLen};
            for (int v : header) {
                out.writeInt(Integer.reverseBytes(v));
            }
            boolean tied = c.tieWordEmbeddings();
            write(out, model.embed(), -1, tied ? 1 : -1);
            for (int l = 0; l < L; l++) {
                write(out, model.layer(l).inputNorm(), -1, -1);
            }
            writeLayers(out, model, Module.Q, c.numHeads());
            writeLayers(out, model, Module.K, c.numKvHeads());
            writeLayers(out, model, Module.V, 0);
            writeLayers(out, model, Module.O, 0);
            for (int l = 0; l < L; l++) {
                write(out, model.layer(l).postNorm(), -1, -1);
            }
            writeLayers(out, model, Module.GATE, 0);
            writeLayers(out, model, Module.DOWN, 0);
            writeLayers(out, model, Module.UP, 0);
            write(out, model.norm(), -1, -1);
            // freq_cis_real, freq_cis_imag [seq_len, hd/2]: read by early run.c versions, skipped by later ones
            for (int part = 0; part < 2; part++) {
                for (int pos = 0; pos < seqLen; pos++) {
                    for (int i = 0; i < hd / 2; i++) {
                        double angle = pos / Math.pow(c.rope().theta(), 2.0 * i / hd);
                        writeFloat(out, (float) (part == 0 ? Math.cos(angle) : Math.sin(angle)));
                    }
                }
            }
            if (!tied) {
                write(out, model.lmHead(), -1, 1);
            }
        }
    }

    /** A tokenizer.bin with {@code vocab} placeholder pieces: &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, the 256 byte pieces, then "t" + id. */
    public static void writeTokenizer(int vocab, Path file) throws IOException {
        List<byte[]> pieces = new ArrayList<>();
        for (int id = 0; id < vocab; id++) {
            String s = id == 0 ? "<unk>" : id == 1 ? "<s>" : id == 2 ? "</s>"
                    : id < 3 + 256 ? String.format("<0x%02X>", id - 3) : "t" + id;
            pieces.add(s.getBytes(StandardCharsets.UTF_8));
        }
        int maxLen = pieces.stream().mapToInt(b -> b.length).max().orElse(1);
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(Integer.reverseBytes(maxLen));
            for (byte[] p : pieces) {
                writeFloat(out, 0f);
                out.writeInt(Integer.reverseBytes(p.length));
                out.write(p);
            }
        }
    }

    /**
     * Runs {@code binary} on the checkpoint for {@code steps} positions with {@code threads} OpenMP threads. A
     * run that does not finish within {@code timeoutSeconds} is killed and reported (OpenMP's spin-waiting
     * threads can slow by orders of magnitude when another process holds a core).
     */
    public static Run decode(Path binary, Path checkpoint, Path tokenizer, int steps, int threads, long timeoutSeconds) {
        if (!Files.isExecutable(binary)) {
            return new Run(null, "not measured: " + binary + " is not an executable file");
        }
        List<String> cmd = List.of(binary.toString(), checkpoint.toString(), "-t", "0", "-n", String.valueOf(steps),
                "-z", tokenizer.toString());
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
            Process p = pb.start();
            // stderr is tiny (the tok/s line), so reading it to the end cannot block the child
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Run(null, "not measured: timed out after " + timeoutSeconds + " s");
            }
            Matcher m = ACHIEVED.matcher(err);
            Double tps = null;
            while (m.find()) {
                tps = Double.parseDouble(m.group(1));
            }
            if (tps == null) {
                String first = err.strip().lines().findFirst().orElse("no output");
                return new Run(null, "not measured: " + binary.getFileName() + " exited " + p.exitValue() + " without an 'achieved tok/s' line (" + first + ")");
            }
            return new Run(tps, "");
        } catch (IOException e) {
            return new Run(null, "not measured: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Run(null, "not measured: interrupted");
        }
    }

    private static void writeLayers(DataOutputStream out, Llama model, Module m, int ropeHeads) throws IOException {
        for (int l = 0; l < model.config().numLayers(); l++) {
            write(out, model.layer(l).weight(m), ropeHeads, -1);
        }
    }

    /**
     * Writes a tensor as little-endian fp32 rows. With {@code ropeHeads} > 0 the rows go back from Hugging
     * Face's rotate-half order to Meta's interleaved pairs (the inverse of {@code Llama2cCheckpoint}'s import):
     * row 2i + j of a head comes from row j·hd/2 + i. Row {@code zeroRow} (or none when -1) is written as zeros.
     */
    private static void write(DataOutputStream out, Tensor t, int ropeHeads, int zeroRow) throws IOException {
        long numel = t.numel();
        int cols = t.rank() == 2 ? t.cols() : (int) numel;
        int rows = (int) (numel / cols);
        int hd = ropeHeads > 0 ? rows / ropeHeads : 0;
        ByteBuffer row = ByteBuffer.allocate(cols * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            int src = r;
            if (ropeHeads > 0) {
                int h = r / hd, i = (r % hd) / 2, j = r % 2;
                src = h * hd + j * (hd / 2) + i;
            }
            row.clear();
            for (int col = 0; col < cols; col++) {
                row.putFloat(r == zeroRow ? 0f : t.getFloat((long) src * cols + col));
            }
            out.write(row.array());
        }
    }

    private static void writeFloat(DataOutputStream out, float v) throws IOException {
        out.writeInt(Integer.reverseBytes(Float.floatToRawIntBits(v)));
    }
}
