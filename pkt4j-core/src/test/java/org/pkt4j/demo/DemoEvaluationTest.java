package org.pkt4j.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.io.tokenizer.Tokenizers;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;

/** The in-process demo scorer: answer extraction, and letter scoring through a model built to always answer B. */
class DemoEvaluationTest {

    @Test
    void arithmeticRepliesAreReadUpToTheAnswer() {
        assertEquals(42L, DemoEvaluation.lastNumber(DemoEvaluation.answerPart(" 6 x 7 = 42. So the answer is 42.\n\n<|user|>\n13")));
        // generation that runs on after a complete answer is cut there (as the evaluation harness stops it)
        assertEquals(12L, DemoEvaluation.lastNumber(DemoEvaluation.answerPart(" So the answer is 12. Then 5 + 5 = 10.")));
        assertEquals(3L, DemoEvaluation.lastNumber(DemoEvaluation.answerPart(" 1 + 2 = 3")));
        assertNull(DemoEvaluation.lastNumber(DemoEvaluation.answerPart(" I do not know.")));
        DemoSplits splits = DemoSplits.generate(DemoSplits.DEFAULT_SEED);
        for (TaskItem item : splits.items(DemoSplits.ARITHMETIC, DemoSplits.Split.TEST)) {
            // the reference reply scores as correct
            String reply = item.answer().substring(DemoEvaluation.ARITHMETIC_PREFIX.length());
            assertEquals(DemoEvaluation.expectedNumber(item), DemoEvaluation.lastNumber(DemoEvaluation.answerPart(reply)), item.id());
        }
    }

    /**
     * A model whose layers add nothing (zero projections), so the last position's logits are W_lm · norm(e_last):
     * with the embedding of the prompt's last token all ones and only the LM-head row of " B" non-zero, it answers
     * B to every question — and the test split has B right exactly a quarter of the time.
     */
    @Test
    void knowledgeIsScoredByTheLetterLogProbabilities() throws IOException {
        Tokenizer tok = Tokenizers.load(DemoRepo.demo().resolve("tokenizer.json"));
        List<TaskItem> items = DemoSplits.generate(DemoSplits.DEFAULT_SEED).items(DemoSplits.KNOWLEDGE, DemoSplits.Split.TEST);
        int[] prompt = tok.encode(DemoEvaluation.prompt(items.getFirst(), DemoEvaluation.KNOWLEDGE_PREFIX));
        int last = prompt[prompt.length - 1];
        int letterB = DemoEvaluation.letterIds(tok)[1];

        LlamaConfig c = RandomLlama.config(16, 1, 2, 2, 16, 1024);
        Map<String, Tensor> t = new LinkedHashMap<>();
        RandomLlama.tensors(c, 1, DType.F32, 0.02).forEach((name, x) -> {
            float[] v = new float[Math.toIntExact(x.numel())];
            if (name.endsWith("norm.weight")) {
                Arrays.fill(v, 1f);
            } else if (name.equals("model.embed_tokens.weight")) {
                Arrays.fill(v, last * 16, last * 16 + 16, 1f);
            } else if (name.equals("lm_head.weight")) {
                Arrays.fill(v, letterB * 16, letterB * 16 + 16, 1f);
            }
            t.put(name, Tensor.ofFloats(name, v, x.shape()));
        });
        for (TaskItem item : items) {
            int[] p = tok.encode(DemoEvaluation.prompt(item, DemoEvaluation.KNOWLEDGE_PREFIX));
            assertEquals(last, p[p.length - 1], "every prompt ends with the same token");
        }
        DemoEvaluation.Score s = DemoEvaluation.knowledge(Llama.of(c, t), tok, items, ExecutionContext.of(2));
        assertEquals(200, s.total());
        long expected = items.stream().filter(i -> DemoEvaluation.expectedLetter(i).equals("B")).count();
        assertEquals(50, expected);
        assertEquals(expected, s.correct());
    }
}
