package org.pkt4j.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.ForwardTrace;
import org.pkt4j.llama.KvCache;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;

/**
 * One prefill of a 256-token prompt and one decode step after it, on a random stories15M-shaped model with
 * weights on the heap in their dtype (pkt bench measures the memory-mapped case end to end).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class GenerateBenchmark {

    @Param({"F32", "BF16"})
    public String dtype;

    @Param({"1"})
    public int threads;

    private static final int PROMPT = 256;

    private ExecutionContext ctx;
    private LlamaForward forward;
    private LlamaConfig config;
    private int[] prompt;
    private KvCache decodeCache;

    @Setup(Level.Trial)
    public void setUp() {
        config = RandomLlama.stories15M();
        Llama model = RandomLlama.create(config, 1, DType.valueOf(dtype), 0.02);
        ctx = ExecutionContext.of(threads);
        forward = new LlamaForward(model, ctx);
        prompt = new int[PROMPT];
        for (int i = 0; i < PROMPT; i++) {
            prompt[i] = 3 + (i * 7919) % (config.vocabSize() - 3);
        }
    }

    /** A cache holding the prompt, truncated back to it before every decode step. */
    @Setup(Level.Iteration)
    public void prefillCache() {
        decodeCache = new KvCache(config, PROMPT + 1);
        forward.forward(prompt, decodeCache, Adapters.NONE, ForwardTrace.NONE, null, new int[] {PROMPT - 1});
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ctx.close();
    }

    @Benchmark
    public float[] prefill256() {
        return forward.forward(prompt, new KvCache(config, PROMPT), Adapters.NONE, ForwardTrace.NONE, null, new int[] {PROMPT - 1});
    }

    @Benchmark
    public float[] decodeStep() {
        decodeCache.truncate(PROMPT);
        return forward.forward(new int[] {5}, decodeCache, Adapters.NONE, ForwardTrace.NONE, null, null);
    }
}
