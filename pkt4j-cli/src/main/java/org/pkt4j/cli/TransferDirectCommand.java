package org.pkt4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.pkt4j.attribution.AttributionMode;
import org.pkt4j.attribution.ReadoutCompat;
import org.pkt4j.transfer.DirectInjection;
import org.pkt4j.transfer.DirectMap;
import org.pkt4j.transfer.LatenFuse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "direct", mixinStandardHelpOptions = true,
        description = {"The no-alignment baseline: LaTen's fuse with a fixed map instead of the hypernetwork (truncate to the "
                + "first d_t coordinates, or a seeded random projection with orthonormal rows).",
            "Several rates (--rate 0.1,0.2,...) write DIR/rate_<r>/ each."})
final class TransferDirectCommand implements Callable<Integer> {

    @Option(names = "--source", required = true, paramLabel = "S", description = "source model")
    Path source;

    @Option(names = "--target", required = true, paramLabel = "T", description = "target model: a Hugging Face directory")
    Path target;

    @Option(names = "--data", required = true, paramLabel = "F.jsonl", description = "the train split (chat JSONL or locate records); one record is drawn")
    Path data;

    @Option(names = "--rate", required = true, paramLabel = "R[,R...]", description = "transfer rate(s) in (0, 1]")
    String rate;

    @Option(names = "--map", required = true, paramLabel = "truncate|random", description = "the fixed map")
    String map;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "the example draw and the random projection (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--compat", paramLabel = "MODE", defaultValue = "reference", description = "locate readout: reference (default) or exact-rmsnorm")
    String compat;

    @Option(names = "--attribution", paramLabel = "MODE", defaultValue = "exact", description = "exact (default) or fast (first-order) neuron scores")
    String attribution;

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
        List<Double> rates = LatenFuseCommand.rates(rate);
        DirectMap.Kind kind = DirectMap.Kind.parse(map);
        if (kind == null) {
            throw new UsageException("--map: expected truncate or random, got '" + map + "'");
        }
        ReadoutCompat c = ReadoutCompat.parse(compat);
        if (c == null) {
            throw new UsageException("--compat: expected reference or exact-rmsnorm, got '" + compat + "'");
        }
        AttributionMode a = AttributionMode.parse(attribution);
        if (a == null) {
            throw new UsageException("--attribution: expected exact or fast, got '" + attribution + "'");
        }
        LatenTrainCommand.checkRates(target, rates, null);
        LatenFuse.Result r = DirectInjection.run(new DirectInjection.Request(source, target, data, rates, kind, seed, c, a, out, force),
                threads.context(), LatenFuseCommand.progress(spec.commandLine().getErr(), "pkt transfer direct"));
        LatenFuseCommand.print(spec.commandLine().getOut(), r, json);
        return ExitCodes.OK;
    }
}
