/**
 * Import of llama2.c {@code .bin} checkpoints (karpathy/llama2.c {@code run.c} format) into the Hugging Face
 * layout pkt4j computes with.
 *
 * <p>Two headers are read. Legacy (version 0): seven little-endian int32 {@code dim, hidden_dim, n_layers,
 * n_heads, n_kv_heads, vocab_size, seq_len}, a negative vocab_size meaning an unshared classifier; then fp32
 * weights in this order: token_embedding [V,d], rms_att [L,d], wq [L,H*hd,d], wk [L,KV*hd,d], wv [L,KV*hd,d],
 * wo [L,d,H*hd], rms_ffn [L,d], w1 [L,f,d], w2 [L,d,f], w3 [L,f,d], rms_final [d], freq_cis_real and
 * freq_cis_imag [seq_len, hd/2] each (present in files written by llama2.c's exporters; skipped), wcls [V,d]
 * when unshared. Version 1: uint32 magic {@code 0x616b3432} ("ak42"), int32 version 1, the same seven ints
 * (vocab_size positive), a byte {@code shared_classifier}, zero padding to 256 bytes; then rms_att, rms_ffn,
 * rms_final, token_embedding, wq, wk, wv, wo, w1, w2, w3, [wcls], with no RoPE tables. Version 2 (int8 Q8_0)
 * is not read.
 *
 * <p>Name map: w1 = gate_proj, w3 = up_proj, w2 = down_proj, rms_att = input_layernorm, rms_ffn =
 * post_attention_layernorm. llama2.c rotates interleaved pairs (q[2i], q[2i+1]) (Meta's layout) while pkt4j,
 * like Hugging Face, rotates (q[i], q[i + hd/2]); the rows of wq and wk are permuted per head,
 * (2i, 2i+1) -> (i, i + hd/2), as transformers' {@code convert_llama_weights_to_hf.py} does, so that the
 * same attention scores come out. rms_norm_eps is 1e-5 and rope_theta 10000, as run.c hard-codes.
 */
package org.pkt4j.io.llama2c;
