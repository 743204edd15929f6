package org.pkt4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.pkt4j.bench.Bench;
import org.pkt4j.bench.BenchOptions;
import org.pkt4j.bench.BenchReport;
import org.pkt4j.bench.TorchBaseline;
import org.pkt4j.io.Json;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.RandomLlama;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure GEMM GFLOP/s, prefill and decode tokens/s, and peak memory, with OpenBLAS, PyTorch and "
                + "llama2.c baselines (measured in the same run where installed, quoted otherwise); medians throughout.",
            "Timings on a machine shared with other processes are noisy: the report prints the load average."})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model-shape", paramLabel = "stories15M|stories110M|PATH", defaultValue = "stories15M",
            description = "random-weight shape, or a Hugging Face model directory to measure as is (default: ${DEFAULT-VALUE})")
    String modelShape;

    @Option(names = "--threads", paramLabel = "N", description = "measure 1 and N threads (default: available processors)")
    Integer threads;

    @Option(names = "--repeats", paramLabel = "R", defaultValue = "3", description = "timed repeats per model measurement (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--matmul-seconds", paramLabel = "S", defaultValue = "0.5", description = "timing budget per matmul point (default: ${DEFAULT-VALUE})")
    double matmulSeconds;

    @Option(names = "--prompt-tokens", paramLabel = "T", defaultValue = "256", description = "prefill length (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--new-tokens", paramLabel = "T", defaultValue = "256", description = "decode length (default: ${DEFAULT-VALUE})")
    int newTokens;

    @Option(names = "--skip", paramLabel = "S", split = ",", description = "sections to skip: matmul, model, torch, memory, train")
    List<String> skip;

    @Option(names = "--openblas-coretype", paramLabel = "NAME", defaultValue = "",
            description = "OPENBLAS_CORETYPE for the OpenBLAS baseline; empty (default) unsets it so OpenBLAS detects the CPU")
    String openblasCoreType;

    @Option(names = "--python", paramLabel = "PATH", description = "Python with torch for the PyTorch baseline (default: /usr/bin/python3)")
    Path python;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "where random checkpoints are written and then deleted (default: java.io.tmpdir)")
    Path workDir;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "seed of weights, prompts and inputs (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--json", description = "print one JSON object on stdout (progress still goes to stderr)")
    boolean json;

    @Override
    public Integer call() throws Exception {
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (n < 1 || n > 1024) {
            throw new UsageException("--threads: expected 1..1024, got " + n);
        }
        if (repeats < 1) {
            throw new UsageException("--repeats: expected >= 1, got " + repeats);
        }
        if (!(matmulSeconds > 0)) {
            throw new UsageException("--matmul-seconds: expected > 0, got " + matmulSeconds);
        }
        if (promptTokens < 1 || newTokens < 2) {
            throw new UsageException("--prompt-tokens/--new-tokens: expected >= 1 and >= 2, got " + promptTokens + " and " + newTokens);
        }
        Set<String> sections = new LinkedHashSet<>(BenchOptions.SECTIONS);
        for (String s : skip == null ? List.<String>of() : skip) {
            if (!BenchOptions.SECTIONS.contains(s)) {
                throw new UsageException("--skip: unknown section '" + s + "', expected some of " + BenchOptions.SECTIONS);
            }
            sections.remove(s);
        }
        String name;
        LlamaConfig shape;
        Path model = null;
        switch (modelShape) {
            case "stories15M" -> {
                name = modelShape;
                shape = RandomLlama.stories15M();
            }
            case "stories110M" -> {
                name = modelShape;
                shape = RandomLlama.stories110M();
            }
            default -> {
                model = Path.of(modelShape);
                if (!Files.isDirectory(model)) {
                    throw new UsageException("--model-shape: expected stories15M, stories110M or a model directory, got '" + modelShape + "'");
                }
                name = model.getFileName().toString();
                shape = Llama.open(model).config();
            }
        }
        Path tmp = workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"));
        BenchOptions o = new BenchOptions(name, shape, model, n, repeats, matmulSeconds, promptTokens, newTokens, sections,
                openblasCoreType, python != null ? python : TorchBaseline.DEFAULT_PYTHON, tmp, seed);
        var err = spec.commandLine().getErr();
        String env = System.getenv("OPENBLAS_CORETYPE");
        if (env != null && sections.contains("matmul")) {
            err.println("pkt bench: OPENBLAS_CORETYPE=" + env + " in the environment is replaced by "
                    + (openblasCoreType.isEmpty() ? "auto-detection" : openblasCoreType) + " for the OpenBLAS baseline");
        }
        BenchReport report = Bench.run(o, line -> err.println("pkt bench: " + line));
        var out = spec.commandLine().getOut();
        out.print(json ? Json.write(report) + "\n" : report.format());
        out.flush();
        return ExitCodes.OK;
    }
}
