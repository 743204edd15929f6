package org.pkt4j.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.attribution.AttributionMode;
import org.pkt4j.attribution.LocateExample;
import org.pkt4j.attribution.ReadoutCompat;
import org.pkt4j.io.Json;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.Module;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.testing.Fixtures;

/** The fuse pipeline on the pkt_pair models: several rates in one call, atomic output, refusals before any work. */
class LatenFuseTest {
    static final ExecutionContext CTX = ExecutionContext.of(2);
    static final LocateExample EXAMPLE = new LocateExample("located.0", new int[] {4, 10, 81, 51, 20, 65, 6, 5, 103}, 96);
    static final LatenFuse.Settings SETTINGS = new LatenFuse.Settings(ReadoutCompat.REFERENCE, AttributionMode.EXACT, null);

    static Llama source() throws IOException {
        return Llama.open(Fixtures.fixture("pkt_pair").resolve("source"));
    }

    static Llama target() throws IOException {
        return Llama.open(Fixtures.fixture("pkt_pair").resolve("target"));
    }

    @Test
    void severalRatesShareTheLayersAndWriteOneModelEach(@TempDir Path tmp) throws IOException {
        Llama s = source(), t = target();
        Path out = tmp.resolve("sweep");
        LatenFuse.Result r = LatenFuse.fuse(s, t, DirectMap.truncate(64, 48), EXAMPLE, SETTINGS, List.of(0.1, 0.25, 1.0),
                Map.of("method", "direct"), out, false, CTX, new LatenFuse.Listener() {
                });
        assertEquals(List.of("rate_0.1", "rate_0.25", "rate_1.0"), list(out));
        int[] ffnCounts = {12, 32, 128};
        for (int i = 0; i < 3; i++) {
            LatenFuse.Output o = r.outputs().get(i);
            assertEquals(out.resolve(LatenFuse.rateDir(o.rate())), o.dir());
            Llama fused = Llama.open(o.dir());
            assertEquals(t.tensors().keySet(), fused.tensors().keySet());
            assertEquals(ffnCounts[i], o.plan().slots(Module.UP).getFirst().targetNeurons().length);
            // kept layers do not depend on the rate
            assertArrayEquals(r.outputs().getFirst().plan().slots(Module.DOWN).stream().mapToInt(TransferPlan.Slot::targetLayer).toArray(),
                    o.plan().slots(Module.DOWN).stream().mapToInt(TransferPlan.Slot::targetLayer).toArray());
            JsonNode prov = Json.read(o.dir().resolve(LatenFuse.PROVENANCE));
            assertEquals(o.rate(), prov.path("rate").asDouble());
            assertEquals("truncate", prov.path("map").path("map").asText());
        }
        // truncation injects the source's own values: row t_i of the target's up_proj gains the first 48 of the source row
        LatenFuse.Output full = r.outputs().get(2);
        TransferPlan.Slot slot = full.plan().slots(Module.UP).getFirst();
        Tensor before = t.weight(slot.targetLayer(), Module.UP), after = Llama.open(full.dir()).weight(slot.targetLayer(), Module.UP);
        Tensor src = s.weight(slot.sourceLayer(), Module.UP);
        int ti = slot.targetNeurons()[0], si = slot.sourceNeurons()[0];
        for (int e = 0; e < 48; e++) {
            assertEquals((float) ((double) before.getFloat(ti * 48L + e) + src.getFloat(si * 64L + e)), after.getFloat(ti * 48L + e));
        }
    }

    @Test
    void anInterruptedFuseLeavesNoPartialModel(@TempDir Path tmp) throws IOException {
        Llama s = source(), t = target();
        Path out = tmp.resolve("sweep");
        assertThrows(IllegalStateException.class, () -> LatenFuse.fuse(s, t, DirectMap.truncate(64, 48), EXAMPLE, SETTINGS,
                List.of(0.1, 0.25), Map.of(), out, false, CTX, new LatenFuse.Listener() {
                    @Override
                    public void written(double rate, Path dir) {
                        throw new IllegalStateException("killed after the first rate");
                    }
                }));
        assertThat(Files.exists(out)).isFalse();
        assertEquals(List.of(), list(tmp));

        Path one = tmp.resolve("one");
        LatenFuse.fuse(s, t, DirectMap.truncate(64, 48), EXAMPLE, SETTINGS, List.of(0.25), Map.of(), one, false, CTX,
                new LatenFuse.Listener() {
                });
        assertThrows(FileAlreadyExistsException.class, () -> LatenFuse.fuse(s, t, DirectMap.truncate(64, 48), EXAMPLE, SETTINGS,
                List.of(0.25), Map.of(), one, false, CTX, new LatenFuse.Listener() {
                }));
    }

    @Test
    void aRateWithoutNeuronsIsRefusedBeforeAnyWork(@TempDir Path tmp) throws IOException {
        Llama s = source(), t = target();
        Path out = tmp.resolve("x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LatenFuse.fuse(s, t, DirectMap.truncate(64, 48),
                EXAMPLE, SETTINGS, List.of(0.5, 0.01), Map.of(), out, false, CTX, new LatenFuse.Listener() {
                }));
        assertThat(e.getMessage()).contains("--rate 0.01").contains("raise the rate");
        assertThat(Files.exists(out)).isFalse();
        assertThrows(IllegalArgumentException.class, () -> LatenFuse.parseRates("0.1,abc"));
        assertThrows(IllegalArgumentException.class, () -> LatenFuse.parseRates("0.1,1.5"));
        assertEquals(List.of(0.1, 0.2), LatenFuse.parseRates("0.1, 0.2"));
    }

    static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
