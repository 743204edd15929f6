package org.pkt4j.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.pkt4j.data.TokenizedExample;

/**
 * Packs tokenized documents into training sequences for causal-LM pretraining: whole documents, each followed
 * by EOS, laid end to end in corpus order until the next one would overflow {@code seqLen}. Every sequence
 * therefore starts at a document start, as an evaluation prompt does, and no document is split across two
 * sequences. Sequences keep their own length (no padding: the {@link Trainer} runs each at its length) and
 * every token is scored. A document longer than {@code seqLen} on its own is cut to {@code seqLen} tokens and
 * counted; an empty document is dropped (a lone EOS would be a sequence with nothing to predict).
 */
public final class DocumentPacking {
    private DocumentPacking() {
    }

    /** The packed sequences, how many documents they hold and how many of those had to be cut. */
    public record Packed(List<TokenizedExample> sequences, int documents, int truncated, long tokens) {
    }

    /**
     * @param documents token ids of each document, without EOS
     * @param eos       the id appended after each document
     * @param seqLen    the longest sequence
     */
    public static Packed pack(List<int[]> documents, int eos, int seqLen) {
        if (seqLen < 2) {
            throw new IllegalArgumentException("sequence length must be >= 2 tokens, got " + seqLen);
        }
        List<TokenizedExample> out = new ArrayList<>();
        int[] buf = new int[seqLen];
        int fill = 0, truncated = 0, packed = 0;
        long tokens = 0;
        for (int[] doc : documents) {
            if (doc.length == 0) {
                continue;
            }
            packed++;
            int len = Math.min(doc.length + 1, seqLen);
            if (doc.length + 1 > seqLen) {
                truncated++;
            }
            if (fill + len > seqLen) {
                out.add(sequence(buf, fill));
                fill = 0;
            }
            System.arraycopy(doc, 0, buf, fill, len == doc.length + 1 ? doc.length : len);
            if (len == doc.length + 1) {
                buf[fill + doc.length] = eos;
            }
            fill += len;
            tokens += len;
        }
        if (fill > 0) {
            out.add(sequence(buf, fill));
        }
        return new Packed(List.copyOf(out), packed, truncated, tokens);
    }

    private static TokenizedExample sequence(int[] buf, int n) {
        int[] ids = Arrays.copyOf(buf, n);
        return new TokenizedExample(ids, ids.clone(), false);
    }
}
