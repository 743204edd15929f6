package org.pkt4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.pkt4j.io.Json;
import org.pkt4j.llama.LlamaConfig;

/**
 * PyTorch CPU prefill of the same model shape, as a baseline: a random-weight Llama written directly in
 * torch ops (embedding, RMSNorm, RoPE, causal softmax attention, SwiGLU; logits of the last row only, as
 * {@link ModelBench} does), run by a separate Python process. Skipped, with the reason, when the
 * interpreter or torch is missing — it is a measurement aid, never a dependency.
 */
public final class TorchBaseline {
    private TorchBaseline() {
    }

    /** Debian's interpreter, where {@code apt-get install python3-torch} puts torch. */
    public static final Path DEFAULT_PYTHON = Path.of("/usr/bin/python3");

    /** Prefill tokens/s (median of the repeats), or null with a note saying why not. */
    public record Result(String dtype, int threads, int promptTokens, Double prefillTokensPerSecond, String torchVersion,
                         String note) {
    }

    private static final String SCRIPT = """
            import json, statistics, sys, time
            try:
                import torch
            except Exception as e:
                print(json.dumps({"error": "cannot import torch: %s" % e})); sys.exit(0)
            d, f, L, H, KV, V, T, threads, repeats = map(int, sys.argv[1:10])
            dt = {"float32": torch.float32, "bfloat16": torch.bfloat16}[sys.argv[10]]
            eps, theta = float(sys.argv[11]), float(sys.argv[12])
            torch.set_num_threads(threads)
            torch.manual_seed(0)
            hd = d // H
            def w(*s): return (torch.randn(*s) * 0.02).to(dt)
            def g(n): return (1 + 0.1 * torch.randn(n)).to(dt)
            emb, gf, wout = w(V, d), g(d), w(V, d)
            layers = [(g(d), w(H * hd, d), w(KV * hd, d), w(KV * hd, d), w(d, H * hd), g(d), w(f, d), w(f, d), w(d, f))
                      for _ in range(L)]
            ang = torch.outer(torch.arange(T).float(), 1.0 / theta ** (torch.arange(0, hd, 2).float() / hd))
            cos = torch.cat([ang.cos(), ang.cos()], -1).to(dt)
            sin = torch.cat([ang.sin(), ang.sin()], -1).to(dt)
            mask = torch.full((T, T), float("-inf")).triu(1).to(dt)
            def rope(x): return x * cos + torch.cat([-x[..., hd // 2:], x[..., :hd // 2]], -1) * sin
            def rms(x, gain): return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * gain
            def forward(ids):
                x = emb[ids]
                for g1, wq, wk, wv, wo, g2, wg, wu, wd in layers:
                    h = rms(x, g1)
                    q = rope((h @ wq.T).view(T, H, hd).transpose(0, 1))
                    k = rope((h @ wk.T).view(T, KV, hd).transpose(0, 1)).repeat_interleave(H // KV, 0)
                    v = (h @ wv.T).view(T, KV, hd).transpose(0, 1).repeat_interleave(H // KV, 0)
                    a = torch.softmax(q @ k.transpose(1, 2) / hd ** 0.5 + mask, -1) @ v
                    x = x + a.transpose(0, 1).reshape(T, H * hd) @ wo.T
                    h = rms(x, g2)
                    x = x + (torch.nn.functional.silu(h @ wg.T) * (h @ wu.T)) @ wd.T
                return rms(x[-1:], gf) @ wout.T
            ids = torch.randint(3, V, (T,))
            with torch.inference_mode():
                forward(ids)
                runs = []
                for _ in range(repeats):
                    t = time.perf_counter(); forward(ids); runs.append(T / (time.perf_counter() - t))
            print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                              "tokens_per_second": statistics.median(runs), "runs": runs}))
            """;

    public static Result prefill(Path python, LlamaConfig c, String dtype, int promptTokens, int threads, int repeats) {
        if (!Files.isExecutable(python)) {
            return new Result(dtype, threads, promptTokens, null, null, "absent: no interpreter at " + python);
        }
        List<String> cmd = List.of(python.toString(), "-c", SCRIPT,
                String.valueOf(c.hiddenSize()), String.valueOf(c.intermediateSize()), String.valueOf(c.numLayers()),
                String.valueOf(c.numHeads()), String.valueOf(c.numKvHeads()), String.valueOf(c.vocabSize()),
                String.valueOf(promptTokens), String.valueOf(threads), String.valueOf(repeats), dtype,
                String.valueOf(c.rmsNormEps()), String.valueOf(c.rope().theta()));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
            // torch would otherwise size its pools from these and ignore set_num_threads for some ops
            pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
            pb.environment().put("MKL_NUM_THREADS", String.valueOf(threads));
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Result(dtype, threads, promptTokens, null, null, "not measured: " + python + " timed out");
            }
            String last = out.lines().reduce((a, b) -> b).orElse("");
            if (last.isEmpty()) {
                return new Result(dtype, threads, promptTokens, null, null, "not measured: " + python + " exited " + p.exitValue() + " without output");
            }
            JsonNode r = Json.MAPPER.readTree(last);
            if (r.has("error")) {
                return new Result(dtype, threads, promptTokens, null, null, "absent: " + r.get("error").asText());
            }
            return new Result(dtype, threads, promptTokens, r.get("tokens_per_second").asDouble(), r.get("torch").asText(), "");
        } catch (IOException e) {
            return new Result(dtype, threads, promptTokens, null, null, "not measured: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(dtype, threads, promptTokens, null, null, "not measured: interrupted");
        }
    }
}
