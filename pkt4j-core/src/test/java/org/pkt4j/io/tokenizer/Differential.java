package org.pkt4j.io.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Compares a pure-Java tokenizer with the Hugging Face reference on many texts: ids of every text, the text
 * decoded from the reference's ids, and the text of random id sequences (which cut multi-byte characters
 * and put special tokens anywhere). Failures list the first disagreements with the texts escaped.
 */
final class Differential {
    private Differential() {
    }

    /** Counts of what was compared, for the test log. */
    record Counts(int texts, long tokens, int decodes, long javaEncodeNanos) {
        @Override
        public String toString() {
            double seconds = javaEncodeNanos / 1e9;
            return String.format("%,d texts, %,d tokens (Java encode %.0f tokens/s), %,d decodes",
                    texts, tokens, tokens / Math.max(seconds, 1e-9), decodes);
        }
    }

    static Counts compare(String name, Tokenizer java, HfReference ref, List<String> texts, int randomDecodes, long seed) {
        List<String> failures = new ArrayList<>();
        long tokens = 0, nanos = 0;
        int decodes = 0;
        for (String text : texts) {
            long t0 = System.nanoTime();
            int[] mine = java.encode(text);
            nanos += System.nanoTime() - t0;
            int[] theirs = ref.encode(text);
            tokens += theirs.length;
            if (!Arrays.equals(mine, theirs)) {
                failures.add("encode " + escape(text) + "\n    java " + pieces(java, mine) + "\n    hf   " + pieces(java, theirs));
                continue;
            }
            String decoded = java.decode(theirs), expected = ref.decode(theirs);
            decodes++;
            if (!decoded.equals(expected)) {
                failures.add("decode " + Arrays.toString(theirs) + "\n    java " + escape(decoded) + "\n    hf   " + escape(expected));
            }
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < randomDecodes; i++) {
            int[] ids = rng.ints(1 + rng.nextInt(12), 0, java.vocabSize()).toArray();
            String decoded = java.decode(ids), expected = ref.decode(ids);
            decodes++;
            if (!decoded.equals(expected)) {
                failures.add("decode " + Arrays.toString(ids) + " " + pieces(java, ids)
                        + "\n    java " + escape(decoded) + "\n    hf   " + escape(expected));
            }
        }
        assertThat(failures).as("%s: %d disagreements with Hugging Face; the first ones:\n%s", name, failures.size(),
                String.join("\n", failures.subList(0, Math.min(8, failures.size())))).isEmpty();
        Counts counts = new Counts(texts.size(), tokens, decodes, nanos);
        System.out.println(name + ": byte-exact with Hugging Face on " + counts);
        return counts;
    }

    static String pieces(Tokenizer t, int[] ids) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < ids.length && i < 40; i++) {
            sb.append(i > 0 ? " " : "").append(ids[i]).append(':').append(escape(t.piece(ids[i])));
        }
        return sb.append(ids.length > 40 ? " ...]" : "]").toString();
    }

    static String escape(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("\"");
        int limit = 300;
        for (int i = 0; i < s.length() && i < limit; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c == 0x85 || c == 0xa0 || (c >= 0x2000 && c <= 0x200f) || c == 0x2028
                    || c == 0x2029 || c == 0x3000 || c == 0xfeff) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append(s.length() > limit ? "...\"" : "\"").toString();
    }
}
