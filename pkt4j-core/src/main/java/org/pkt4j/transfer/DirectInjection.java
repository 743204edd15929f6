package org.pkt4j.transfer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.attribution.AttributionMode;
import org.pkt4j.attribution.ReadoutCompat;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.tensor.ExecutionContext;

/**
 * {@code pkt transfer direct}: the paper's "no alignment" baseline — LaTen's fuse pipeline ({@link LatenFuse})
 * with a fixed {@link DirectMap} (truncation, or a seeded random orthonormal projection) in place of the
 * trained hypernetwork, to measure the collapse the paper reports when source parameters are injected as they
 * are.
 */
public final class DirectInjection {
    private DirectInjection() {
    }

    /**
     * @param rates  one or more transfer rates
     * @param map    truncate or random
     * @param seed   the draw of the example from {@code data} and the random projection
     * @param compat the locate readout (the same as LaTen's default: reference)
     */
    public record Request(Path source, Path target, Path data, List<Double> rates, DirectMap.Kind map, long seed, ReadoutCompat compat,
                          AttributionMode mode, Path out, boolean force) {
    }

    public static LatenFuse.Result run(Request r, ExecutionContext ctx, LatenFuse.Listener listener) throws IOException {
        LatenFuse.checkRates(r.rates());
        AtomicFiles.checkWritable(r.out(), r.force(), "--force");
        LatenFuse.Pair p = LatenFuse.Pair.open(r.source(), r.target());
        DirectMap map = DirectMap.of(r.map(), p.source().config().hiddenSize(), p.target().config().hiddenSize(), r.seed());
        LatenFuse.Drawn drawn = LatenFuse.draw(r.data(), p, r.seed());
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("method", "direct");
        return LatenFuse.fuse(p.source(), p.target(), map, drawn.example(), new LatenFuse.Settings(r.compat(), r.mode(), null), r.rates(),
                drawn.provenance(r.data(), r.seed(), r.source(), r.target(), provenance), r.out(), r.force(), ctx, listener);
    }
}
