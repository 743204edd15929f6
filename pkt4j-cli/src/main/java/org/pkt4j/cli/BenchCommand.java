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
        description = {"Measure everything the performance goals of issues 2 and 3 ask for, each next to its baseline and "
                + "goal ratio: baselines run in the same process or in turns with ours where installed, the issues' quoted "
                + "figures otherwise (always printed for reference). Random weights of the chosen shape; medians throughout.",
            "",
            "Sections (skip with --skip):",
            "  matmul   y = x·Wᵀ GFLOP/s for M = 1, 64, 256, F32 and BF16 weights, vs the FMA peak and OpenBLAS sgemm "
                + "(Debian's libopenblas through FFM, when installed); goal >= 0.85x OpenBLAS at M >= 64.",
            "  model    prefill (--prompt-tokens) and decode (--new-tokens) tokens/s through the generator, F32 and BF16.",
            "  llama2c  decode over llama2.c's positions (one-token prompt) beside the llama2.c binary given by --llama2c, "
                + "which runs the same F32 model exported to its checkpoint format; goals F32 >= 1x, BF16 >= 1.4x llama2.c.",
            "  torch    PyTorch baselines through --python (skipped with a note when torch is absent): prefill "
                + "(goal: ours >= 1x) and the training step below.",
            "  memory   peak RSS while generating with the BF16 checkpoint, against weights + KV cache + activations.",
            "  train    forward + backward + AdamW tokens/s on one --train-tokens sequence, full fine-tuning and LoRA "
                + "rank 16, beside the same step in PyTorch; goal >= 2x PyTorch.",
            "",
            "1 and --threads threads. On a shared machine wall times are noisy: the report prints the load average "
                + "(above the core count = contended) and, with one thread, CPU-time figures that contention does not "
                + "inflate. Example: pkt bench --llama2c /path/to/llama2.c/run --threads 2",
            ""})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model-shape", paramLabel = "stories15M|stories110M|PATH", defaultValue = "stories15M",
            description = "random-weight shape, or a Hugging Face model directory to measure as is (default: ${DEFAULT-VALUE})")
    String modelShape;

    @Option(names = "--threads", paramLabel = "N", description = "measure 1 and N threads (default: available processors)")
    Integer threads;

    @Option(names = "--repeats", paramLabel = "R", defaultValue = "3", description = "timed repeats per model measurement, and rounds of the llama2c and train sections, each run in turns "
                    + "with its baseline (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--matmul-seconds", paramLabel = "S", defaultValue = "0.5", description = "timing budget per matmul point (default: ${DEFAULT-VALUE})")
    double matmulSeconds;

    @Option(names = "--prompt-tokens", paramLabel = "T", defaultValue = "256", description = "prefill length (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--new-tokens", paramLabel = "T", defaultValue = "256", description = "decode length (default: ${DEFAULT-VALUE})")
    int newTokens;

    @Option(names = "--skip", paramLabel = "S", split = ",", description = "sections to skip: matmul, model, llama2c, torch, memory, train")
    List<String> skip;

    @Option(names = "--openblas-coretype", paramLabel = "NAME", defaultValue = "",
            description = "OPENBLAS_CORETYPE for the OpenBLAS baselines (ours through FFM, and PyTorch's); empty (default) "
                    + "unsets it so OpenBLAS detects the CPU (AVX-512 kernels where present)")
    String openblasCoreType;

    @Option(names = "--llama2c", paramLabel = "PATH",
            description = "a llama2.c run binary (karpathy/llama2.c run.c, e.g. built with make runomp) to time beside our decode; "
                    + "without it the llama2c section compares against the quoted figures")
    Path llama2c;

    @Option(names = "--train-tokens", paramLabel = "T", defaultValue = "256", description = "training-step sequence length (default: ${DEFAULT-VALUE})")
    int trainTokens;

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
        if (trainTokens < 2) {
            throw new UsageException("--train-tokens: expected >= 2, got " + trainTokens);
        }
        if (llama2c != null && !Files.isExecutable(llama2c)) {
            throw new UsageException("--llama2c: expected an executable llama2.c run binary, got '" + llama2c + "'");
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
                openblasCoreType, python != null ? python : TorchBaseline.DEFAULT_PYTHON, tmp, seed, trainTokens, llama2c);
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
