package org.pkt4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.pkt4j.io.Json;
import org.pkt4j.llama.LlamaConfig;

/**
 * PyTorch CPU baselines of the same model shape, each run by a separate Python process: prefill of a
 * random-weight Llama written directly in torch ops (embedding, RMSNorm, RoPE, causal softmax attention,
 * SwiGLU; logits of the last row only, as {@link ModelBench} does), and the training step of the same shape
 * built from torch modules ({@link #trainStep}). Skipped, with the reason, when the
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

    /**
     * The same model built from plain torch modules (nn.Embedding, nn.Linear without bias, an RMSNorm module,
     * rotate-half RoPE, causal softmax attention, SwiGLU; LoRA pairs inside the linears when asked), HF's
     * shifted cross-entropy over every position, and torch.optim.AdamW (betas 0.9/0.95, eps 1e-8, no decay)
     * over the trainable parameters. Gradients are zeroed in place each step, as pkt4j does.
     */
    private static final String TRAIN_SCRIPT = """
            import json, statistics, sys, time
            try:
                import torch
                import torch.nn as nn
                import torch.nn.functional as F
            except Exception as e:
                print(json.dumps({"error": "cannot import torch: %s" % e})); sys.exit(0)
            d, f, L, H, KV, V, T, threads, repeats, rank = map(int, sys.argv[1:11])
            eps, theta, mode = float(sys.argv[11]), float(sys.argv[12]), sys.argv[13]
            torch.set_num_threads(threads)
            torch.manual_seed(0)
            hd = d // H
            class RMSNorm(nn.Module):
                def __init__(s, n):
                    super().__init__(); s.weight = nn.Parameter(torch.ones(n))
                def forward(s, x):
                    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * s.weight
            class Linear(nn.Linear):
                def __init__(s, i, o, r):
                    super().__init__(i, o, bias=False)
                    s.r = r
                    if r > 0:
                        s.A = nn.Parameter(torch.randn(r, i) * 0.01); s.B = nn.Parameter(torch.zeros(o, r)); s.scale = 2.0
                def forward(s, x):
                    y = F.linear(x, s.weight)
                    return y + (x @ s.A.T) @ s.B.T * s.scale if s.r > 0 else y
            ang = torch.outer(torch.arange(T).float(), 1.0 / theta ** (torch.arange(0, hd, 2).float() / hd))
            cos, sin = torch.cat([ang.cos(), ang.cos()], -1), torch.cat([ang.sin(), ang.sin()], -1)
            mask = torch.full((T, T), float("-inf")).triu(1)
            def rope(x): return x * cos + torch.cat([-x[..., hd // 2:], x[..., :hd // 2]], -1) * sin
            class Block(nn.Module):
                def __init__(s, r):
                    super().__init__()
                    s.n1, s.n2 = RMSNorm(d), RMSNorm(d)
                    s.q, s.k, s.v, s.o = Linear(d, H * hd, r), Linear(d, KV * hd, r), Linear(d, KV * hd, r), Linear(H * hd, d, r)
                    s.g, s.u, s.dn = Linear(d, f, r), Linear(d, f, r), Linear(f, d, r)
                def forward(s, x):
                    h = s.n1(x)
                    q = rope(s.q(h).view(T, H, hd).transpose(0, 1))
                    k = rope(s.k(h).view(T, KV, hd).transpose(0, 1)).repeat_interleave(H // KV, 0)
                    v = s.v(h).view(T, KV, hd).transpose(0, 1).repeat_interleave(H // KV, 0)
                    a = torch.softmax(q @ k.transpose(1, 2) / hd ** 0.5 + mask, -1) @ v
                    x = x + s.o(a.transpose(0, 1).reshape(T, H * hd))
                    h = s.n2(x)
                    return x + s.dn(F.silu(s.g(h)) * s.u(h))
            class Model(nn.Module):
                def __init__(s, r):
                    super().__init__()
                    s.emb = nn.Embedding(V, d); s.layers = nn.ModuleList([Block(r) for _ in range(L)])
                    s.norm = RMSNorm(d); s.head = nn.Linear(d, V, bias=False)
                def forward(s, ids):
                    x = s.emb(ids)
                    for b in s.layers:
                        x = b(x)
                    return s.head(s.norm(x))
            model = Model(rank if mode == "lora" else 0)
            for n, p in model.named_parameters():
                p.requires_grad_(mode == "full" or n.endswith(".A") or n.endswith(".B"))
            params = [p for p in model.parameters() if p.requires_grad]
            opt = torch.optim.AdamW(params, lr=1e-5, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0)
            ids = torch.randint(3, V, (T,))
            def fwd_bwd():
                opt.zero_grad(set_to_none=False)
                F.cross_entropy(model(ids)[:-1], ids[1:]).backward()
            def step():
                fwd_bwd(); opt.step()
            def timed(fn):
                fn(); fn()
                wall, cpu = [], []
                for _ in range(repeats):
                    t, c = time.perf_counter(), time.process_time()
                    fn()
                    wall.append(T / (time.perf_counter() - t)); cpu.append(T / (time.process_time() - c))
                return statistics.median(wall), statistics.median(cpu)
            fb, _ = timed(fwd_bwd)
            st, st_cpu = timed(step)
            print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "mode": mode,
                              "trainable": sum(p.numel() for p in params), "forward_backward": fb, "step": st, "step_cpu": st_cpu}))
            """;

    public static Result prefill(Path python, LlamaConfig c, String dtype, int promptTokens, int threads, int repeats,
                                 String openblasCoreType) {
        Run r = run(python, SCRIPT, threads, openblasCoreType, String.valueOf(c.hiddenSize()), String.valueOf(c.intermediateSize()),
                String.valueOf(c.numLayers()), String.valueOf(c.numHeads()), String.valueOf(c.numKvHeads()),
                String.valueOf(c.vocabSize()), String.valueOf(promptTokens), String.valueOf(threads), String.valueOf(repeats),
                dtype, String.valueOf(c.rmsNormEps()), String.valueOf(c.rope().theta()));
        if (r.json() == null) {
            return new Result(dtype, threads, promptTokens, null, null, r.note());
        }
        return new Result(dtype, threads, promptTokens, r.json().get("tokens_per_second").asDouble(), r.json().get("torch").asText(), "");
    }

    /**
     * The training step of the same shape in PyTorch: medians of forward + backward, and of forward + backward
     * + AdamW, in wall time and in the process's CPU time, or null with a note saying why not.
     */
    public record TrainResult(String mode, int threads, int seqLen, Double forwardBackward, Double step, Double stepCpu,
                              Long trainable, String torchVersion, String note) {
    }

    /** {@code mode} "full" or "lora" (rank {@code loraRank} on q, k, v, o, gate, up, down; alpha 2·rank). */
    public static TrainResult trainStep(Path python, LlamaConfig c, String mode, int loraRank, int seqLen, int threads, int repeats,
                                       String openblasCoreType) {
        Run r = run(python, TRAIN_SCRIPT, threads, openblasCoreType, String.valueOf(c.hiddenSize()), String.valueOf(c.intermediateSize()),
                String.valueOf(c.numLayers()), String.valueOf(c.numHeads()), String.valueOf(c.numKvHeads()),
                String.valueOf(c.vocabSize()), String.valueOf(seqLen), String.valueOf(threads), String.valueOf(repeats),
                String.valueOf(loraRank), String.valueOf(c.rmsNormEps()), String.valueOf(c.rope().theta()), mode);
        if (r.json() == null) {
            return new TrainResult(mode, threads, seqLen, null, null, null, null, null, r.note());
        }
        JsonNode j = r.json();
        return new TrainResult(mode, threads, seqLen, j.get("forward_backward").asDouble(), j.get("step").asDouble(),
                j.get("step_cpu").asDouble(), j.get("trainable").asLong(), j.get("torch").asText(), "");
    }

    /** A script's last output line as JSON, or null with the reason. */
    private record Run(JsonNode json, String note) {
    }

    /**
     * @param openblasCoreType OPENBLAS_CORETYPE for torch's OpenBLAS, empty to unset it (auto-detection): Debian's
     *                         torch multiplies through OpenBLAS, whose AVX2 ("Haswell") kernels, which this machine's
     *                         environment selects, made its training step 1.3–1.6x slower than the AVX-512 ones it
     *                         detects by itself — the same choice as for the OpenBLAS baseline, so both run at their best
     */
    private static Run run(Path python, String script, int threads, String openblasCoreType, String... args) {
        if (!Files.isExecutable(python)) {
            return new Run(null, "absent: no interpreter at " + python);
        }
        List<String> cmd = new ArrayList<>(List.of(python.toString(), "-c", script));
        cmd.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
            // torch would otherwise size its pools from these and ignore set_num_threads for some ops
            pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
            pb.environment().put("MKL_NUM_THREADS", String.valueOf(threads));
            if (openblasCoreType.isEmpty()) {
                pb.environment().remove("OPENBLAS_CORETYPE");
            } else {
                pb.environment().put("OPENBLAS_CORETYPE", openblasCoreType);
            }
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Run(null, "not measured: " + python + " timed out");
            }
            String last = out.lines().reduce((a, b) -> b).orElse("");
            if (last.isEmpty()) {
                return new Run(null, "not measured: " + python + " exited " + p.exitValue() + " without output");
            }
            JsonNode r = Json.MAPPER.readTree(last);
            if (r.has("error")) {
                return new Run(null, "absent: " + r.get("error").asText());
            }
            return new Run(r, "");
        } catch (IOException e) {
            return new Run(null, "not measured: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Run(null, "not measured: interrupted");
        }
    }
}
