package org.pkt4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.pkt4j.io.tokenizer.Tokenizer;

/**
 * The "text" of pkt generate: the continuation as it reads after the prompt, with a SentencePiece-like test
 * double whose decode drops the leading space of a text (as Hugging Face's Metaspace decoder does).
 */
class ContinuationTextTest {

    /** Pieces by id; "▁" is a space; decode drops one leading space; BOS 1, EOS 2. */
    private static final class PieceTokenizer implements Tokenizer {
        private final List<String> pieces = List.of("<unk>", "<s>", "</s>", "▁Once", "▁upon", "▁She", "!", "▁a");

        @Override
        public int[] encode(String text) {
            throw new UnsupportedOperationException("not needed here");
        }

        @Override
        public String decode(int[] ids) {
            StringBuilder s = new StringBuilder();
            for (int id : ids) {
                s.append(pieces.get(id).replace('▁', ' '));
            }
            return s.length() > 0 && s.charAt(0) == ' ' ? s.substring(1) : s.toString();
        }

        @Override
        public int vocabSize() {
            return pieces.size();
        }

        @Override
        public int bosId() {
            return 1;
        }

        @Override
        public int eosId() {
            return 2;
        }

        @Override
        public String piece(int id) {
            return pieces.get(id);
        }

        @Override
        public int pieceId(String piece) {
            return pieces.indexOf(piece);
        }
    }

    @Test
    void continuationKeepsTheLeadingSpaceAndHidesBos() {
        Tokenizer tok = new PieceTokenizer();
        assertEquals("She", tok.decode(new int[] {5}), "decoding the continuation alone loses its space");
        assertEquals(" She!", GenerateCommand.continuation(tok, new int[] {1, 3, 4}, new int[] {5, 6}));
        assertEquals(" She a", GenerateCommand.continuation(tok, new int[] {3}, new int[] {5, 7}), "no BOS in the prompt");
        assertEquals("", GenerateCommand.continuation(tok, new int[] {1, 3}, new int[0]));
    }
}
