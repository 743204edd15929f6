package org.pkt4j.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.pkt4j.io.tokenizer.Tokenizer;

/**
 * A character-level test tokenizer: 0 = unknown, 1 = BOS, 2 = EOS, then '\n' and printable ASCII, then
 * optional multi-character pieces matched longest first. With {@code letterPieces} those are " A" ... " D",
 * so that a letter after a space is one token as with real vocabularies; without, it is two (space, letter).
 */
final class CharTokenizer implements Tokenizer {
    static final int UNK = 0;
    static final int BOS = 1;
    static final int EOS = 2;

    private final List<String> pieces = new ArrayList<>();
    private final Map<String, Integer> ids = new HashMap<>();
    private final List<String> multi;

    CharTokenizer(boolean letterPieces) {
        this(letterPieces ? List.of(" A", " B", " C", " D") : List.of());
    }

    CharTokenizer(List<String> multiCharPieces) {
        add("<unk>");
        add("<s>");
        add("</s>");
        add("\n");
        for (char c = 32; c < 127; c++) {
            add(String.valueOf(c));
        }
        multiCharPieces.forEach(this::add);
        multi = multiCharPieces.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }

    private void add(String piece) {
        ids.put(piece, pieces.size());
        pieces.add(piece);
    }

    @Override
    public int[] encode(String text) {
        List<Integer> out = new ArrayList<>();
        int i = 0;
        next:
        while (i < text.length()) {
            for (String m : multi) {
                if (text.startsWith(m, i)) {
                    out.add(ids.get(m));
                    i += m.length();
                    continue next;
                }
            }
            out.add(ids.getOrDefault(String.valueOf(text.charAt(i)), UNK));
            i++;
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
