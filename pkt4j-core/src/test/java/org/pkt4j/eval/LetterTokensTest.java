package org.pkt4j.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.RandomLlama;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.testing.Fixtures;

/**
 * Which tokens the answer letters are, on real tokenizer.json files (through the reference HF tokenizers):
 * after an MMLU prompt ending "The answer is:", " X" adds exactly one token — "▁X" for the SentencePiece-style
 * Llama 2 vocabulary, "ĠX" (byte-level space + X) for GPT-2 — and leaves the prompt's own tokens unchanged,
 * so the four letters are compared by their next-token log-probabilities at one position.
 */
class LetterTokensTest {

    @Test
    void llamaSentencePieceLettersAreWordStartPieces() throws IOException {
        check(Fixtures.data().resolve("tokenizers/tinyllama-chat-hf/tokenizer.json"), "<s>", "</s>", "\u2581");
    }

    @Test
    void gpt2ByteLevelLettersAreSpacePrefixedPieces() throws IOException {
        check(Fixtures.data().resolve("tokenizers/gpt2/tokenizer.json"), "<|endoftext|>", "<|endoftext|>", "\u0120");
    }

    private static void check(Path json, String bos, String eos, String space) throws IOException {
        try (HfReferenceTokenizer tok = new HfReferenceTokenizer(json, bos, eos)) {
            List<EvalExample> zero = Benchmarks.load(Task.MMLU, Fixtures.data().resolve("benchmarks/mmlu/test/astronomy_test.csv"), 0).examples();
            List<EvalExample> five = Benchmarks.load(Task.MMLU, Fixtures.data().resolve("benchmarks/mmlu/test/astronomy_test.csv"), 5).examples();
            List<EvalExample> split = Benchmarks.load(Task.MMLU, Fixtures.data().resolve("pkt-splits/mmlu/mmlu_extract_split.jsonl"), 0).examples();
            for (EvalExample e : List.of(zero.get(0), zero.get(77), five.get(3), split.get(0), split.get(19))) {
                int[] ctx = tok.encode(e.prompt());
                for (char letter : "ABCD".toCharArray()) {
                    int[] full = tok.encode(e.prompt() + " " + letter);
                    assertThat(full).as("%s + ' %c'", e.id(), letter).hasSize(ctx.length + 1).startsWith(ctx);
                    assertThat(tok.piece(full[ctx.length])).isEqualTo(space + letter);
                }
            }
            // the evaluator resolves the same tokens and says so in its notes (a tiny random model of this vocabulary)
            Llama m = RandomLlama.create(RandomLlama.config(16, 1, 2, 2, 16, tok.vocabSize()), 1, DType.F32, 0.1);
            EvalResult r = new Evaluator(m, Adapters.NONE, tok, ExecutionContext.singleThreaded())
                    .evaluate(Task.MMLU, zero.subList(0, 2), Evaluator.Options.defaults(), EvalProgress.NONE);
            String note = r.notes().stream().filter(n -> n.startsWith("letter continuations")).findFirst().orElseThrow();
            for (char letter : "ABCD".toCharArray()) {
                int id = tok.pieceId(space + letter);
                assertThat(note).contains(letter + "=[" + id + " " + space + letter + "]");
            }
            assertThat(r.records().getFirst().letterLogProbs()).hasSize(4);
        }
    }
}
