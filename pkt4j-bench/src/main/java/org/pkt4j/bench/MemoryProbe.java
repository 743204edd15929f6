package org.pkt4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.pkt4j.io.Json;
import org.pkt4j.llama.Generator;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Sampler;
import org.pkt4j.tensor.ExecutionContext;

/**
 * Peak resident memory while generating: a fresh JVM (so nothing the benchmark allocated before counts)
 * opens a checkpoint, generates, and reports {@code VmHWM} from /proc/self/status, next to what the run
 * needs at minimum — the weight files (memory-mapped, so their pages count once touched), the KV cache and
 * the forward's activations — and the JVM's own footprint measured before the model is opened.
 */
public final class MemoryProbe {
    private MemoryProbe() {
    }

    /** Bytes; {@code jvmBaseline} is the peak before the model is opened; {@code maxHeap} null = the JVM's default. */
    public record Result(String dtype, String maxHeap, long peakResident, long jvmBaseline, long weightFiles, long kvCache,
                         long activations, long heapCommitted, String note) {
        /** What the peak holds beyond the JVM, weights, KV cache and activations. */
        public long unexplained() {
            return peakResident - jvmBaseline - weightFiles - kvCache - activations;
        }
    }

    /** Child entry point: {@code MemoryProbe DIR PROMPT NEW THREADS}; prints one JSON object. */
    public static void main(String[] args) throws IOException {
        long baseline = vmHwm();
        Path dir = Path.of(args[0]);
        int promptTokens = Integer.parseInt(args[1]);
        int newTokens = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        Llama model = Llama.open(dir);
        LlamaConfig c = model.config();
        try (ExecutionContext ctx = ExecutionContext.of(threads)) {
            new Generator(new LlamaForward(model, ctx)).generate(
                    ModelBench.prompt(c.vocabSize(), promptTokens, 1), newTokens, Sampler.greedy(), false, id -> { });
        }
        long peak = vmHwm();
        long kv = 2L * c.numLayers() * (promptTokens + newTokens) * c.kvDim() * Float.BYTES;
        Result r = new Result(String.valueOf(c.dtype()), null, peak, baseline, weightBytes(dir), kv, activationBytes(c, promptTokens),
                Runtime.getRuntime().totalMemory(), "");
        System.out.print(Json.writeLine(r));
    }

    /**
     * Floats the forward holds at once for T tokens: the residual stream and the per-layer buffers (normed
     * input, q, k, v, attention output, projections, gate, up, SwiGLU output) plus one row of logits.
     */
    static long activationBytes(LlamaConfig c, int tokens) {
        long perToken = 4L * c.hiddenSize() + 2L * c.qDim() + 2L * c.kvDim() + 3L * c.intermediateSize();
        return Float.BYTES * (tokens * perToken + c.vocabSize());
    }

    static long weightBytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            long total = 0;
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList()) {
                total += Files.size(p);
            }
            return total;
        }
    }

    /** Peak resident set size of this process (VmHWM), bytes; -1 where /proc is not available. */
    public static long vmHwm() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
            if (line.startsWith("VmHWM:")) {
                return 1024L * Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
            }
        }
        return -1;
    }

    /**
     * Runs the probe in a fresh JVM with the classpath, vector module and collector of {@code pkt}.
     *
     * @param maxHeap an -Xmx value ("96m"), or null for the JVM's default (a quarter of RAM), under which the
     *                collector lets garbage grow the heap well past what the forward holds live
     */
    public static Result run(Path dir, String dtype, int promptTokens, int newTokens, int threads, String maxHeap)
            throws IOException, InterruptedException {
        if (!Files.isReadable(Path.of("/proc/self/status"))) {
            return new Result(dtype, maxHeap, -1, -1, weightBytes(dir), 0, 0, 0, "not measured: no /proc/self/status on this system");
        }
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"));
        if (maxHeap != null) {
            cmd.add("-Xmx" + maxHeap);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), MemoryProbe.class.getName(),
                dir.toString(), String.valueOf(promptTokens), String.valueOf(newTokens), String.valueOf(threads)));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0 || out.isEmpty()) {
            p.destroyForcibly();
            return new Result(dtype, maxHeap, -1, -1, weightBytes(dir), 0, 0, 0, "not measured: the probe JVM failed (exit "
                    + (p.isAlive() ? "timeout" : p.exitValue()) + (maxHeap != null ? ", -Xmx" + maxHeap : "") + ")");
        }
        Result r = Json.MAPPER.readValue(out.lines().reduce((a, b) -> b).orElseThrow(), Result.class);
        return new Result(dtype, maxHeap, r.peakResident(), r.jvmBaseline(), r.weightFiles(), r.kvCache(), r.activations(),
                r.heapCommitted(), r.note());
    }

    /** A heap bound with room for the KV cache, activations and transient buffers: 4× what the forward holds, ≥ 64 MiB. */
    public static String boundedHeap(LlamaConfig c, int promptTokens, int newTokens) {
        long need = 2L * c.numLayers() * (promptTokens + newTokens) * c.kvDim() * Float.BYTES + activationBytes(c, promptTokens);
        return Math.max(64, 4 * need / 1048576 + 32) + "m";
    }
}
