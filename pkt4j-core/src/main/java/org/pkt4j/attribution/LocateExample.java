package org.pkt4j.attribution;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.pkt4j.data.ChatFormat;
import org.pkt4j.data.ChatRecord;
import org.pkt4j.data.DataFile;
import org.pkt4j.data.TokenRecord;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.tokenizer.Tokenizer;

/**
 * One attributed prediction (PKT-SPEC §2): the model reads {@code contextIds} (no BOS) and the readout
 * scores the log-probability of {@code targetId} (y) at the last position.
 *
 * @param id         a name for reports (the record's id, or {@code line-N})
 * @param contextIds the ids the model reads, at least one
 * @param targetId   y, the predicted id
 */
public record LocateExample(String id, int[] contextIds, int targetId) {

    /** The characters the reference strips from the end of the answer: {@code . " space ) newline , ]}. */
    private static final String TRAILING = ".\" )\n,]";

    public LocateExample {
        if (contextIds.length == 0) {
            throw new IllegalArgumentException("example " + id + ": the context needs at least one id");
        }
        if (targetId < 0) {
            throw new IllegalArgumentException("example " + id + ": the target id must be >= 0, got " + targetId);
        }
        contextIds = contextIds.clone();
    }

    @Override
    public int[] contextIds() {
        return contextIds.clone();
    }

    /** The answer with trailing {@code . " space ) newline , ]} removed (Python's {@code rstrip} of that set). */
    public static String truth(List<ChatRecord.Message> messages) {
        String r = ChatFormat.response(messages);
        int end = r.length();
        while (end > 0 && TRAILING.indexOf(r.charAt(end - 1)) >= 0) {
            end--;
        }
        return r.substring(0, end);
    }

    /**
     * A chat record as the reference builds it: {@code ids = encode(userPrompt + truth)} (no BOS), context =
     * all but the last id, y = the last. Throws {@link IllegalArgumentException} for an answer that is empty
     * after stripping, or a rendering of fewer than two ids.
     */
    public static LocateExample fromChat(ChatRecord r, Tokenizer tokenizer) {
        String truth = checkedTruth(r);
        int[] ids = tokenizer.encode(ChatFormat.userPrompt(r.messages()) + truth);
        if (ids.length < 2) {
            throw new IllegalArgumentException("record " + r.id() + ": prompt + answer tokenizes to " + ids.length
                    + " id(s), need at least 2 (a context and a predicted id)");
        }
        return new LocateExample(r.id(), Arrays.copyOf(ids, ids.length - 1), ids[ids.length - 1]);
    }

    /** The stripped answer of a record that can be located, or {@link IllegalArgumentException} saying why not. */
    private static String checkedTruth(ChatRecord r) {
        if (!r.last().role().equals("assistant")) {
            throw new IllegalArgumentException("record " + r.id() + ": the last message must be the assistant's answer, found role '"
                    + r.last().role() + "'");
        }
        String truth = truth(r.messages());
        if (truth.isEmpty()) {
            throw new IllegalArgumentException("record " + r.id() + ": the answer is empty after stripping trailing . \" ) , ] "
                    + "spaces and newlines; nothing to attribute");
        }
        return truth;
    }

    /**
     * Checks, without a tokenizer, that every record of a data file can become a locate example (answers not
     * empty after stripping; locate records rather than training records), naming the file and line.
     * Callers run it before loading a tokenizer so that a bad file fails fast.
     */
    public static void checkDataFile(DataFile data) throws FormatException {
        if (data.isChat()) {
            for (ChatRecord r : data.chat()) {
                try {
                    checkedTruth(r);
                } catch (IllegalArgumentException e) {
                    throw new FormatException(data.path(), "line " + r.line() + ": " + e.getMessage());
                }
            }
        } else {
            for (TokenRecord r : data.tokens()) {
                if (!r.isLocate()) {
                    throw new FormatException(data.path(), "line " + r.line() + ": a training record (input_ids + labels), "
                            + "expected locate records with 'context_ids' + 'target_id' (or chat records)");
                }
            }
        }
    }

    /** A pre-tokenized locate record ({@code context_ids} + {@code target_id}). */
    public static LocateExample fromTokens(TokenRecord r) {
        if (!r.isLocate()) {
            throw new IllegalArgumentException("line " + r.line() + ": a training record (input_ids + labels); locate needs "
                    + "'context_ids' + 'target_id' or chat records");
        }
        return new LocateExample("line-" + r.line(), r.contextIds(), r.targetId());
    }

    /**
     * The examples of a data file, in file order. Chat files need {@code tokenizer}; pre-tokenized files must
     * hold locate records. Errors name the file and line.
     */
    public static List<LocateExample> fromDataFile(DataFile data, Tokenizer tokenizer) throws FormatException {
        checkDataFile(data);
        List<LocateExample> out = new ArrayList<>();
        if (data.isChat()) {
            if (tokenizer == null) {
                throw new IllegalArgumentException(data.path() + ": chat records need the model's tokenizer");
            }
            for (ChatRecord r : data.chat()) {
                try {
                    out.add(fromChat(r, tokenizer));
                } catch (IllegalArgumentException e) {
                    throw new FormatException(data.path(), "line " + r.line() + ": " + e.getMessage());
                }
            }
        } else {
            for (TokenRecord r : data.tokens()) {
                out.add(fromTokens(r));
            }
        }
        return out;
    }

    /** Checks every id against a vocabulary of {@code vocab} ids, naming the example. */
    void checkVocab(int vocab) {
        for (int t : contextIds) {
            if (t < 0 || t >= vocab) {
                throw new IllegalArgumentException("example " + id + ": context id " + t + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        if (targetId >= vocab) {
            throw new IllegalArgumentException("example " + id + ": target id " + targetId + " is outside the vocabulary [0, " + vocab + ")");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LocateExample e && id.equals(e.id) && targetId == e.targetId && Arrays.equals(contextIds, e.contextIds);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * id.hashCode() + Arrays.hashCode(contextIds)) + targetId;
    }

    @Override
    public String toString() {
        return "LocateExample[" + id + ", context " + Arrays.toString(contextIds) + ", y " + targetId + "]";
    }
}
