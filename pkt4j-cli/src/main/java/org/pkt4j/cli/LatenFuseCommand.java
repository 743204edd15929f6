package org.pkt4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pkt4j.io.Json;
import org.pkt4j.transfer.LatenFuse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "fuse", mixinStandardHelpOptions = true,
        description = {"Fuse LaTen's aligned knowledge into the target: locate S and T on one seeded example of the train split, "
                + "map S's located parameters with the hypernetwork of checkpoint K, add them to T and write T as a Hugging Face "
                + "checkpoint (its names, dtype, sharding, config and tokenizer files).",
            "Several rates (--rate 0.1,0.2,...) write DIR/rate_<r>/ each, reusing the attribution."})
final class LatenFuseCommand implements Callable<Integer> {

    @Option(names = "--source", required = true, paramLabel = "S", description = "source model (as trained)")
    Path source;

    @Option(names = "--target", required = true, paramLabel = "T", description = "target model: a Hugging Face directory")
    Path target;

    @Option(names = "--run", required = true, paramLabel = "RUN", description = "the run directory of pkt laten train")
    Path run;

    @Option(names = "--step", paramLabel = "K", description = "use checkpoint_K (H after step K, 0-based; default: the newest)")
    Integer step;

    @Option(names = "--data", required = true, paramLabel = "TRAIN.jsonl", description = "the train split (chat JSONL or locate records); one record is drawn")
    Path data;

    @Option(names = "--rate", required = true, paramLabel = "R[,R...]", description = "transfer rate(s) in (0, 1]")
    String rate;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "the example draw, random.seed(S); random.sample(range(n), 1) (default: ${DEFAULT-VALUE}, the reference's)")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output model directory (DIR/rate_<r>/ for several rates)")
    Path out;

    @Option(names = "--force", description = "replace an existing --out")
    boolean force;

    @Option(names = "--json", description = "print a JSON summary on stdout")
    boolean json;

    @Mixin
    Threads threads;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<Double> rates = rates(rate);
        if (step != null && step < 0) {
            throw new UsageException("--step: expected a checkpoint number >= 0, got " + step);
        }
        LatenTrainCommand.checkRates(target, rates, null);
        PrintWriter err = spec.commandLine().getErr();
        LatenFuse.Result r = LatenFuse.fromRun(new LatenFuse.Request(source, target, run, step, data, rates, seed, out, force),
                threads.context(), progress(err, "pkt laten fuse"));
        print(spec.commandLine().getOut(), r, json);
        return ExitCodes.OK;
    }

    static List<Double> rates(String list) {
        try {
            return LatenFuse.parseRates(list);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static LatenFuse.Listener progress(PrintWriter err, String who) {
        return new LatenFuse.Listener() {
            @Override
            public void note(String message) {
                err.println(who + ": " + message);
                err.flush();
            }

            @Override
            public void written(double rate, Path dir) {
                err.printf(Locale.ROOT, "%s: rate %s fused%n", who, rate);
                err.flush();
            }
        };
    }

    static void print(PrintWriter out, LatenFuse.Result r, boolean json) {
        if (json) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("example", Map.of("id", r.example().id(), "context_ids", r.example().contextIds(), "target_id", r.example().targetId()));
            s.put("outputs", r.outputs().stream().map(o -> Map.of("rate", o.rate(), "dir", o.dir().toString(), "changed_elements",
                    o.changed())).toList());
            out.println(Json.writeLine(s));
        } else {
            for (LatenFuse.Output o : r.outputs()) {
                out.printf(Locale.ROOT, "wrote %s (rate %s, %d weights changed; located on example %s)%n", o.dir(), o.rate(), o.changed(),
                        r.example().id());
            }
        }
    }
}
