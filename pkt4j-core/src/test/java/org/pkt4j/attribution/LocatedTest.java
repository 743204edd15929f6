package org.pkt4j.attribution;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.Json;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.llama.Llama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;

/** located.json + located.safetensors: the documented keys, a faithful reload, no silent overwrite. */
class LocatedTest {

    @Test
    void writeThenReadGivesTheSameSelectionAndScores(@TempDir Path dir) throws IOException {
        Llama model = NeuronAttributionTest.smallModel(DType.F32, 0.3);
        List<LocateExample> exs = NeuronAttributionTest.examples(3, model.config().vocabSize(), 31);
        LocateOptions opts = LocateOptions.forTarget(model.config(), 0.25, ReadoutCompat.EXACT_RMSNORM, AttributionMode.EXACT,
                null, 9, model.config()).withLayers(1);
        Located loc = Locator.locate(model, exs, opts, ExecutionContext.of(2), LocateProgress.NONE);
        Path json = dir.resolve("located.json");
        loc.write(json, false, Map.of("model", "random"));
        assertThrows(FileAlreadyExistsException.class, () -> loc.write(json, false, Map.of()));

        JsonNode root = Json.read(json);
        assertEquals("pkt4j.located/1", root.path("format").asText());
        assertEquals(2, root.path("layer_scores").path("attn").size());
        assertEquals(1, root.path("kept_layers").path("ffn").size());
        assertEquals(loc.ffnNeurons()[0].length, root.path("neurons").path("ffn").path(0).size());
        assertEquals("exact-rmsnorm", root.path("options").path("compat").asText());
        assertEquals("random", root.path("options").path("model").asText());
        assertEquals(9, root.path("seed").asLong());
        assertEquals(3, root.path("examples").path("count").asInt());
        SafetensorsFile st = SafetensorsFile.open(dir.resolve("located.safetensors"));
        assertArrayEquals(new long[] {2, 72}, st.get("ffn_scores").shape());
        assertArrayEquals(new long[] {3, 2, 40}, st.get("attn_scores_unrounded").shape());

        Located back = Located.read(json);
        assertEquals(loc.options(), back.options());
        assertEquals(loc.shape(), back.shape());
        assertArrayEquals(loc.keptAttn(), back.keptAttn());
        assertArrayEquals(loc.keptFfn(), back.keptFfn());
        assertArrayEquals(loc.ffnNeurons(), back.ffnNeurons());
        assertArrayEquals(loc.attnNeurons(), back.attnNeurons());
        assertArrayEquals(loc.scores().attnLayerScores(), back.scores().attnLayerScores());
        for (int l = 0; l < 2; l++) {
            assertArrayEquals(loc.scores().ffnRounded()[l], back.scores().ffnRounded()[l]);
            assertArrayEquals(loc.scores().attnRounded()[l], back.scores().attnRounded()[l]);
        }
        // the selection re-derived from the reloaded scores is the stored one
        Located again = Located.of(model.config(), back.scores().examples(), back.options());
        assertArrayEquals(back.ffnNeurons(), again.ffnNeurons());
        loc.write(json, true, Map.of());
        Files.delete(dir.resolve("located.safetensors"));
        assertThrows(IOException.class, () -> Located.read(json));
    }
}
