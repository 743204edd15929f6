package org.pkt4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.pkt4j.io.Json;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.train.TrainStepBenchmark;

/**
 * Runs one measurement of {@code pkt bench} in a fresh JVM and reads its result back (one JSON line on the
 * child's stdout; its progress lines, on stderr, are passed on). Why: the JIT compiles each kernel for the
 * shapes, dtypes and memory kinds it has seen, so a JVM that already ran the GEMM sweep (native and heap
 * segments, F32 and BF16, M from 1 to 256) and then decodes or trains ran 15–25% slower than a fresh one —
 * which is what {@code pkt generate} or {@code pkt finetune} would be. Each decode and training figure is
 * measured as a fresh process would see it.
 */
public final class BenchChild {
    private BenchChild() {
    }

    /**
     * Child entry point. {@code model DIR DTYPE THREADS PROMPT NEW REPEATS SEED};
     * {@code llama2c BINARY|- MODEL.BIN|- TOKENIZER.BIN|- F32DIR|- BF16DIR|- STEPS THREADS ROUNDS SEED};
     * {@code train SHAPE|DIR MODE THREADS SEQ ROUNDS TORCH PYTHON OPENBLAS_CORETYPE|-}.
     */
    public static void main(String[] a) throws IOException {
        Consumer<String> progress = line -> System.err.println(line);
        Object result = switch (a[0]) {
            case "model" -> ModelBench.run(Llama.open(Path.of(a[1])), a[2], Integer.parseInt(a[3]), Integer.parseInt(a[4]),
                    Integer.parseInt(a[5]), Integer.parseInt(a[6]), Long.parseLong(a[7]));
            case "llama2c" -> Llama2cBaseline.compare(path(a[1]), path(a[2]), path(a[3]), open(a[4]), open(a[5]),
                    Integer.parseInt(a[6]), Integer.parseInt(a[7]), Integer.parseInt(a[8]), Long.parseLong(a[9]), progress);
            case "train" -> TrainStepBench.measure(shape(a[1]), TrainStepBenchmark.Mode.valueOf(a[2]), Integer.parseInt(a[3]),
                    Integer.parseInt(a[4]), Integer.parseInt(a[5]), Boolean.parseBoolean(a[6]), Path.of(a[7]),
                    a[8].equals("-") ? "" : a[8], progress);
            default -> throw new IllegalArgumentException("unknown bench child section " + a[0]);
        };
        System.out.print(Json.writeLine(result));
    }

    /** Runs the child with {@code args} (see {@link #main}) and parses its result as {@code type}. */
    public static <T> T run(Class<T> type, Consumer<String> progress, Object... args) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), BenchChild.class.getName()));
        for (Object arg : args) {
            cmd.add(arg == null ? "-" : arg.toString());
        }
        Process p = new ProcessBuilder(cmd).start();
        List<String> errors = new ArrayList<>();
        Thread relay = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (!line.startsWith("WARNING: Using incubator modules")) {
                        progress.accept(line);
                        errors.add(line);
                    }
                }
            } catch (IOException e) {
                errors.add(e.getMessage());
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("bench child '" + args[0] + "' timed out after 30 minutes");
        }
        relay.join();
        if (p.exitValue() != 0 || out.isEmpty()) {
            throw new IllegalStateException("bench child '" + args[0] + "' failed (exit " + p.exitValue() + "): "
                    + (errors.isEmpty() ? "no message" : errors.getLast()));
        }
        return Json.MAPPER.readValue(out.lines().reduce((x, y) -> y).orElseThrow(), type);
    }

    private static Path path(String s) {
        return s.equals("-") ? null : Path.of(s);
    }

    private static Llama open(String s) throws IOException {
        return s.equals("-") ? null : Llama.open(Path.of(s));
    }

    /** How a child gets the shape of {@code o}: the model directory, or the plain shape's numbers. */
    static String shapeArg(BenchOptions o) {
        if (o.model() != null) {
            return o.model().toString();
        }
        LlamaConfig c = o.shape();
        return "plain:" + c.hiddenSize() + "," + c.numLayers() + "," + c.numHeads() + "," + c.numKvHeads() + ","
                + c.intermediateSize() + "," + c.vocabSize();
    }

    /** The inverse of {@link #shapeArg}. */
    static LlamaConfig shape(String s) throws IOException {
        if (s.startsWith("plain:")) {
            int[] v = java.util.Arrays.stream(s.substring(6).split(",")).mapToInt(Integer::parseInt).toArray();
            return RandomLlama.config(v[0], v[1], v[2], v[3], v[4], v[5]);
        }
        return Llama.open(Path.of(s)).config();
    }
}
