package org.pkt4j.eval;

import java.util.Arrays;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.ForwardTrace;
import org.pkt4j.llama.KvCache;
import org.pkt4j.llama.LlamaForward;

/**
 * One thread's model state: a KV cache and the token ids it holds. {@link #prefill} reuses the cached
 * keys and values of the longest common prefix with the previous sequence and runs only the rest, which is
 * exact (a position's K/V depend only on the tokens before it) and saves most of the work when prompts share
 * a few-shot prefix (MMLU k-shot) or a chat preamble.
 */
final class ModelSession {
    private final LlamaForward forward;
    private final Adapters adapters;
    private final KvCache cache;
    private final int[] held;
    private long reusedTokens;

    ModelSession(LlamaForward forward, Adapters adapters, int capacity) {
        this.forward = forward;
        this.adapters = adapters;
        this.cache = new KvCache(forward.model().config(), capacity);
        this.held = new int[capacity];
    }

    /** Logits [V] after {@code ids}; the cache then holds exactly {@code ids}. */
    float[] prefill(int[] ids) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("empty prompt: at least one token id is needed");
        }
        // keep at least one token to run: its logits are the ones asked for
        int limit = Math.min(cache.length(), ids.length - 1);
        int keep = 0;
        while (keep < limit && held[keep] == ids[keep]) {
            keep++;
        }
        cache.truncate(keep);
        int[] rest = Arrays.copyOfRange(ids, keep, ids.length);
        float[] logits = forward.forward(rest, cache, adapters, ForwardTrace.NONE, null, new int[] {rest.length - 1});
        System.arraycopy(rest, 0, held, keep, rest.length);
        reusedTokens += keep;
        return logits;
    }

    /** Logits [V] after appending {@code id} to what the cache holds. */
    float[] step(int id) {
        int at = cache.length();
        float[] logits = forward.forward(new int[] {id}, cache, adapters, ForwardTrace.NONE, null, null);
        held[at] = id;
        return logits;
    }

    /** Forgets the cached prefix (so that results never depend on what another group of examples left). */
    void reset() {
        cache.truncate(0);
    }

    long reusedTokens() {
        return reusedTokens;
    }
}
