package org.pkt4j.demo;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a demo pretraining corpus holds; the {@code corpus} object of a {@code pkt pretrain} config maps onto
 * it (snake_case keys). The corpus itself is generated on the fly from these numbers and the data seed
 * ({@link DemoCorpus}); nothing of it is stored.
 *
 * @param seed                the corpus's own seed (document order and content); the world and the splits
 *                            come from the data seed
 * @param factFraction        share of the world's facts the corpus states, in [0, 1]: 1 for the source, 0.5
 *                            for the target ({@link DemoWorld.Fact#knownAt})
 * @param factMentions        how many times each stated fact is written, cycling through its phrasings
 * @param arithmeticProblems  fresh arithmetic problems in the chat rendering (never a split's question)
 * @param knowledgeQuestions  multiple-choice questions in the chat rendering over the stated facts that no
 *                            test question asks (never a split's question)
 * @param drills              short lines of equations ("7 + 5 = 12. 6 x 7 = 42.")
 * @param stories             short stories of generic English
 * @param descriptions        short everyday descriptions of generic English
 * @param readingQuestions    multiple-choice questions in the chat rendering whose stem first states the fact it
 *                            asks ("Zorvak is the capital of Teldia. What is the capital of Teldia?"), over the same
 *                            facts as {@code knowledgeQuestions}: the answer is in the question, so they teach the
 *                            option-matching half of the task (find the option that holds the value, answer its
 *                            letter) apart from recalling the value
 */
public record CorpusRecipe(
        @JsonProperty("seed") long seed,
        @JsonProperty("fact_fraction") double factFraction,
        @JsonProperty("fact_mentions") int factMentions,
        @JsonProperty("arithmetic_problems") int arithmeticProblems,
        @JsonProperty("knowledge_questions") int knowledgeQuestions,
        @JsonProperty("drills") int drills,
        @JsonProperty("stories") int stories,
        @JsonProperty("descriptions") int descriptions,
        @JsonProperty("reading_questions") int readingQuestions) {

    public CorpusRecipe {
        if (!(factFraction >= 0 && factFraction <= 1)) {
            throw new IllegalArgumentException("fact_fraction must lie in [0, 1], got " + factFraction);
        }
        check("fact_mentions", factMentions);
        check("arithmetic_problems", arithmeticProblems);
        check("knowledge_questions", knowledgeQuestions);
        check("drills", drills);
        check("stories", stories);
        check("descriptions", descriptions);
        check("reading_questions", readingQuestions);
    }

    private static void check(String key, int n) {
        if (n < 0) {
            throw new IllegalArgumentException(key + " must be >= 0, got " + n);
        }
    }

    /**
     * The source corpus of models/demo/source.pretrain.json: every fact 100 times, 18,000 arithmetic problems,
     * 6,000 knowledge and 6,000 reading questions — about 3.66 M tokens with the demo tokenizer.
     */
    public static CorpusRecipe source() {
        return new CorpusRecipe(1, 1.0, 100, 18_000, 6_000, 3_000, 3_000, 1_000, 6_000);
    }

    /**
     * The target corpus of models/demo/target.pretrain.json: half of the facts (as often each, with as many
     * questions per stated fact), a tenth of the arithmetic, a fifth of the drills, as much generic English.
     */
    public static CorpusRecipe target() {
        return new CorpusRecipe(2, 0.5, 100, 1_800, 3_000, 600, 3_000, 1_000, 3_000);
    }

    /** The same recipe with another corpus seed (validation documents: other draws of the same mix). */
    public CorpusRecipe withSeed(long newSeed) {
        return new CorpusRecipe(newSeed, factFraction, factMentions, arithmeticProblems, knowledgeQuestions, drills, stories, descriptions,
                readingQuestions);
    }

    /** The same mix scaled by {@code factor} (counts rounded, at least one mention per fact; fraction and seed kept). */
    public CorpusRecipe scaled(double factor) {
        return new CorpusRecipe(seed, factFraction, scaleMentions(factMentions, factor), scale(arithmeticProblems, factor),
                scale(knowledgeQuestions, factor), scale(drills, factor), scale(stories, factor), scale(descriptions, factor),
                scale(readingQuestions, factor));
    }

    private static int scale(int n, double factor) {
        return (int) Math.round(n * factor);
    }

    /** Keeps at least one mention so that a scaled corpus still states the same facts. */
    private static int scaleMentions(int n, double factor) {
        return n == 0 ? 0 : Math.max(1, scale(n, factor));
    }
}
