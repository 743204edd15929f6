package org.pkt4j.demo;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.llama.Generator;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Sampler;
import org.pkt4j.tensor.ExecutionContext;

/**
 * Whether a model can state the world's facts: for each fact, greedy generation after
 * {@code "Q: <its first question> A:"} (a phrasing the corpus uses for every stated fact) must begin with the
 * fact's value. A diagnostic beside the multiple-choice test split: it shows what a model holds in its
 * parameters even when it cannot yet read a value out as an option letter.
 */
public final class FactRecall {
    private FactRecall() {
    }

    /** Tokens generated per fact (the longest value is a few tokens; the rest is slack). */
    static final int MAX_NEW_TOKENS = 12;

    /** Facts recalled out of {@code total}. */
    public record Score(int correct, int total) {
        public double accuracy() {
            return total == 0 ? Double.NaN : (double) correct / total;
        }
    }

    /** The prompt that asks {@code f}. */
    static String prompt(DemoWorld.Fact f) {
        return "Q: " + Relation.fill(f.relation().questions().getFirst(), f.subject(), f.value()) + " A:";
    }

    /** Whether a reply states {@code value} first (case aside), as a whole word. */
    static boolean states(String reply, String value) {
        String r = reply.strip().toLowerCase(Locale.ROOT), v = value.toLowerCase(Locale.ROOT);
        return r.startsWith(v) && (r.length() == v.length() || !Character.isLetterOrDigit(r.charAt(v.length())));
    }

    /**
     * Recall over the test split's facts (held out from every question), split by whether a corpus of
     * {@code factFraction} states them, and over the other facts.
     *
     * @return by group: "test facts", "test facts stated at <fraction>", "test facts not stated at <fraction>",
     *         "other facts"
     */
    public static Map<String, Score> measure(Llama model, Tokenizer tok, DemoWorld world, double factFraction, ExecutionContext ctx) {
        Generator gen = new Generator(new LlamaForward(model, ctx));
        int[][] counts = new int[4][2];
        for (DemoWorld.Fact f : world.facts()) {
            int[] prompt = tok.encode(prompt(f));
            int[] reply = gen.generate(prompt, MAX_NEW_TOKENS, Sampler.greedy(), true, (Generator.TokenListener) id -> { });
            int ok = states(tok.decodeContinuation(prompt, reply), f.value()) ? 1 : 0;
            if (f.heldOut()) {
                add(counts[0], ok);
                add(counts[f.knownAt(factFraction) ? 1 : 2], ok);
            } else {
                add(counts[3], ok);
            }
        }
        Map<String, Score> out = new LinkedHashMap<>();
        String at = String.format(Locale.ROOT, "%.2g", factFraction);
        String[] names = {"test facts", "test facts stated at " + at, "test facts not stated at " + at, "other facts"};
        for (int g = 0; g < 4; g++) {
            out.put(names[g], new Score(counts[g][0], counts[g][1]));
        }
        return out;
    }

    private static void add(int[] c, int ok) {
        c[0] += ok;
        c[1]++;
    }
}
