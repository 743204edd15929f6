package org.pkt4j.demo;

import java.util.ArrayList;
import java.util.List;

/**
 * MMLU-style multiple-choice questions about the demo world, laid out as the shipped MMLU splits:
 * <pre>
 * The following are multiple choice questions (with answers) about world geography.
 *
 * What is the capital of Zorvia?
 * A. ...
 * B. ...
 * C. ...
 * D. ...
 * Answer:
 * </pre>
 * answered {@code "The answer is: X"}. The three distractors are other values of the same type (other
 * cities for a capital, other years for a year), so only knowing the fact picks the right option.
 */
public final class KnowledgeQuestions {
    private KnowledgeQuestions() {
    }

    public static final List<String> LETTERS = List.of("A", "B", "C", "D");

    /** A question: the user message, the letter of the right option, and the assistant's reply. */
    public record Question(String user, String letter) {
        public String answer() {
            return "The answer is: " + letter;
        }
    }

    /**
     * Asks {@code fact} with the right value at option {@code position} (0 = A); the stem and the
     * distractors come from {@code rng}.
     */
    public static Question ask(DemoWorld world, DemoWorld.Fact fact, int position, DemoRandom rng) {
        List<String> pool = new ArrayList<>(world.pools().get(fact.relation()));
        pool.remove(fact.value());
        rng.shuffle(pool);
        List<String> options = new ArrayList<>(pool.subList(0, LETTERS.size() - 1));
        options.add(position, fact.value());
        String stem = Relation.fill(rng.pick(fact.relation().questions()), fact.subject(), fact.value());
        StringBuilder sb = new StringBuilder("The following are multiple choice questions (with answers) about ")
                .append(fact.relation().category().replace('_', ' ')).append(".\n\n").append(stem);
        for (int i = 0; i < options.size(); i++) {
            sb.append('\n').append(LETTERS.get(i)).append(". ").append(options.get(i));
        }
        sb.append("\nAnswer:");
        return new Question(sb.toString(), LETTERS.get(position));
    }
}
