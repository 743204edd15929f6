package org.pkt4j.data;

import java.util.Arrays;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.train.CausalLmLoss;

/**
 * A training sequence: ids and labels (-100 = not scored), built as PKT-SPEC §1 says.
 *
 * @param ids       token ids (no BOS)
 * @param labels    ids with the user-prompt positions set to -100 (unless train-on-inputs)
 * @param truncated whether the sequence was cut at the cutoff
 */
public record TokenizedExample(int[] ids, int[] labels, boolean truncated) {

    /** How the labels are masked. */
    public enum Compat {
        /**
         * The reference: the user prompt's length is measured with an EOS appended, so the first response
         * token is masked too (prompt length + 1 leading -100s).
         */
        REFERENCE,
        /** Exactly the user-prompt positions are masked. */
        EXACT
    }

    /**
     * Tokenizes a chat record: ids = encode(full rendering) (no BOS), EOS appended when shorter than
     * {@code cutoff} and not already ending in EOS, truncated at {@code cutoff}; labels masked on the prompt.
     */
    public static TokenizedExample of(ChatRecord r, Tokenizer tok, int cutoff, boolean trainOnInputs, Compat compat) {
        int[] full = tok.encode(ChatFormat.full(r.messages()));
        int eos = tok.eosId();
        boolean truncated = full.length > cutoff;
        int[] ids = truncated ? Arrays.copyOf(full, cutoff) : full;
        if (ids.length < cutoff && eos >= 0 && (ids.length == 0 || ids[ids.length - 1] != eos)) {
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = eos;
        }
        int[] labels = ids.clone();
        if (!trainOnInputs) {
            int promptLen = tok.encode(ChatFormat.userPrompt(r.messages())).length;
            if (compat == Compat.REFERENCE && eos >= 0) {
                promptLen += 1; // the reference tokenizes the prompt with EOS appended
            }
            Arrays.fill(labels, 0, Math.min(promptLen, labels.length), CausalLmLoss.IGNORE);
        }
        return new TokenizedExample(ids, labels, truncated);
    }

    /** Number of scored labels (positions t >= 1 whose label is not -100). */
    public int scoredTokens() {
        return CausalLmLoss.scoredRows(labels).length;
    }
}
