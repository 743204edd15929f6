/**
 * Tokenizers in pure Java: Hugging Face {@code tokenizer.json} files with a BPE model ({@link
 * org.pkt4j.io.tokenizer.HfTokenizer}: SentencePiece-style Llama-2/Mistral files with byte fallback and
 * byte-level GPT-2/Llama-3/Qwen2 files), byte-exact with the Rust {@code tokenizers} library on the same file,
 * and llama2.c {@code tokenizer.bin} files ({@link org.pkt4j.io.tokenizer.Llama2cTokenizer}), exact with
 * llama2.c's {@code run.c}. {@link org.pkt4j.io.tokenizer.Tokenizers#load} picks one for a path.
 *
 * <p>The {@code tokenizer.json} pipeline has one class per section of the file: {@code Normalizers},
 * {@code PreTokenizers}, {@code Bpe} (the model), {@code Decoders}, plus {@code AddedTokens} (the
 * {@code added_tokens} matcher) and {@code SpecialTokens} (BOS/EOS from the config files). Unsupported component
 * types are a {@link org.pkt4j.io.FormatException} naming the file and the type.
 */
package org.pkt4j.io.tokenizer;
