package org.pkt4j.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.io.tokenizer.Tokenizer;

/**
 * A character-level test tokenizer: 0 = unknown, 1 = BOS, 2 = EOS, then '\n' and printable ASCII. With
 * {@code letterPieces} it also has the pieces " A" ... " D" (longest match first), so that a letter after a
 * space is one token as with real vocabularies; without them it is two (space, letter).
 */
final class CharTokenizer implements Tokenizer {
    static final int UNK = 0;
    static final int BOS = 1;
    static final int EOS = 2;

    private final List<String> pieces = new ArrayList<>();
    private final Map<String, Integer> ids = new HashMap<>();
    private final boolean letterPieces;

    CharTokenizer(boolean letterPieces) {
        this.letterPieces = letterPieces;
        add("<unk>");
        add("<s>");
        add("</s>");
        add("\n");
        for (char c = 32; c < 127; c++) {
            add(String.valueOf(c));
        }
        if (letterPieces) {
            for (char c = 'A'; c <= 'D'; c++) {
                add(" " + c);
            }
        }
    }

    private void add(String piece) {
        ids.put(piece, pieces.size());
        pieces.add(piece);
    }

    @Override
    public int[] encode(String text) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < text.length(); i++) {
            if (letterPieces && i + 1 < text.length() && text.charAt(i) == ' ' && ids.containsKey(text.substring(i, i + 2))) {
                out.add(ids.get(text.substring(i, i + 2)));
                i++;
                continue;
            }
            out.add(ids.getOrDefault(String.valueOf(text.charAt(i)), UNK));
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(pieces.get(id));
        }
        return sb.toString();
    }

    @Override
    public int vocabSize() {
        return pieces.size();
    }

    @Override
    public int bosId() {
        return BOS;
    }

    @Override
    public int eosId() {
        return EOS;
    }

    @Override
    public String piece(int id) {
        return pieces.get(id);
    }

    @Override
    public int pieceId(String piece) {
        return ids.getOrDefault(piece, -1);
    }
}
