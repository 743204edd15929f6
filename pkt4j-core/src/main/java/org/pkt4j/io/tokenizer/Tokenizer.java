package org.pkt4j.io.tokenizer;

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

    /** The piece of one id as stored in the vocabulary (e.g. "▁the", "<0x0A>", "Ġthe"). */
    String piece(int id);

    /** The id of an exact vocabulary piece or added token, or -1. */
    int pieceId(String piece);
}
