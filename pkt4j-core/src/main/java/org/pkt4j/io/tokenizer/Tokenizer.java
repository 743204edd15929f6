package org.pkt4j.io.tokenizer;

import java.util.Arrays;

/**
 * Text to token ids and back, byte-exact with the Hugging Face implementation of the same files.
 * {@link #encode} adds no BOS/EOS (callers add them where the method says so); special and added tokens
 * written in the text are recognised as Hugging Face does.
 */
public interface Tokenizer {

    /** Ids of {@code text}, without BOS or EOS. */
    int[] encode(String text);

    /** The text of {@code ids} (special tokens included, as HF {@code decode(skip_special_tokens=False)}). */
    String decode(int[] ids);

    /** Number of ids (the model's vocab_size may be larger). */
    int vocabSize();

    /** BOS id, or -1 when the tokenizer has none. */
    int bosId();

    /** EOS id, or -1 when the tokenizer has none. */
    int eosId();

    /** The piece of one id as stored in the vocabulary (e.g. "▁the", "<0x0A>", "Ġthe"), or null for no such id. */
    String piece(int id);

    /** The id of an exact vocabulary piece or added token, or -1. */
    int pieceId(String piece);

    /**
     * The text that {@code ids} add after {@code prefix} (for printing generated tokens after a prompt):
     * {@code decode(prefix + ids)} without the text of {@code decode(prefix)}. Decoding a continuation on its
     * own would differ: decoders drop the leading space of a text ("▁She" alone is "She").
     */
    default String decodeContinuation(int[] prefix, int[] ids) {
        int[] all = Arrays.copyOf(prefix, prefix.length + ids.length);
        System.arraycopy(ids, 0, all, prefix.length, ids.length);
        String whole = decode(all);
        String head = decode(prefix);
        // a character cut at the end of the prefix decodes as U+FFFD there and completed here: keep what agrees
        int common = 0;
        while (common < head.length() && common < whole.length() && head.charAt(common) == whole.charAt(common)) {
            common++;
        }
        return whole.substring(common);
    }
}
