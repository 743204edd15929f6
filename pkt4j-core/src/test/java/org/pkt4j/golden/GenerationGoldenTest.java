package org.pkt4j.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.pkt4j.testing.Close.assertClose;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkt4j.io.ModelFiles;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.llama.Generator;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Sampler;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.testing.Fixtures;

/**
 * Greedy generation on the trained stories260K model: the fixture's 32 tokens, token for token, and the
 * logits of every step within the fixtures' float32 tolerance; from the HF directory and from the original
 * llama2.c .bin.
 */
class GenerationGoldenTest {

    @ParameterizedTest
    @ValueSource(strings = {"fixture/model", "models/stories260K/stories260K.bin"})
    void greedyContinuationMatches(String where) throws IOException {
        SafetensorsFile exp = Fixtures.expected("stories260K");
        Llama model = ModelFiles.open(where.startsWith("fixture")
                ? Fixtures.fixture("stories260K").resolve("model")
                : Fixtures.data().resolve(where));
        int[] prompt = Fixtures.tensor(exp, "input_ids").toIntArray();
        int[] expected = Fixtures.tensor(exp, "generated_ids").toIntArray();
        float[] expLogits = Fixtures.tensor(exp, "generation_logits").toFloatArray();
        int V = model.config().vocabSize();

        List<float[]> steps = new ArrayList<>();
        int[] generated = new Generator(new LlamaForward(model, ExecutionContext.of(2)))
                .generate(prompt, expected.length, Sampler.greedy(), true, (id, logits) -> steps.add(logits));

        assertArrayEquals(expected, generated);
        assertEquals(expected.length, steps.size());
        float[] actual = new float[expected.length * V];
        for (int i = 0; i < steps.size(); i++) {
            System.arraycopy(steps.get(i), 0, actual, i * V, V);
        }
        assertClose("generation_logits", actual, expLogits, 0, 2e-5 * Math.max(1, ForwardGoldenTest.maxAbs(expLogits)));
    }
}
