package org.pkt4j.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pkt4j.demo.DemoCorpus.Kind;
import org.pkt4j.demo.DemoWorld.Fact;

/**
 * The pretraining corpora: reproducible; the source states every fact (every held-out fact in particular),
 * the target never states the facts it must not know; no split question leaks in; questions ask only what
 * the corpus states and answer it right.
 */
class DemoCorpusTest {
    static DemoSplits splits;
    static DemoCorpus source, target;

    @BeforeAll
    static void generate() {
        splits = DemoSplits.generate(DemoSplits.DEFAULT_SEED);
        source = DemoCorpus.of(splits, CorpusRecipe.source());
        target = DemoCorpus.of(splits, CorpusRecipe.target());
    }

    @Test
    void documentsAreReproducibleAndDependOnTheSeed() {
        DemoCorpus again = DemoCorpus.of(DemoSplits.generate(DemoSplits.DEFAULT_SEED), CorpusRecipe.source());
        CorpusRecipe r = CorpusRecipe.source();
        DemoCorpus reseeded = DemoCorpus.of(splits, new CorpusRecipe(r.seed() + 1, r.factFraction(), r.factMentions(),
                r.arithmeticProblems(), r.knowledgeQuestions(), r.drills(), r.stories(), r.descriptions(), r.readingQuestions()));
        int differ = 0;
        for (int i = 0; i < 500; i++) {
            assertEquals(source.kind(i), again.kind(i));
            assertEquals(source.document(i), again.document(i), "document " + i);
            assertEquals(source.document(i), source.document(i));
            differ += source.document(i).equals(reseeded.document(i)) ? 0 : 1;
        }
        assertThat(differ).isGreaterThan(450);
    }

    @Test
    void documentCountsFollowTheRecipe() {
        for (DemoCorpus c : List.of(source, target)) {
            CorpusRecipe r = c.recipe();
            Map<Kind, Integer> n = new EnumMap<>(Kind.class);
            for (int i = 0; i < c.size(); i++) {
                n.merge(c.kind(i), 1, Integer::sum);
            }
            long known = splits.world().facts().stream().filter(f -> f.knownAt(r.factFraction())).count();
            assertEquals(r.stories(), n.get(Kind.STORY));
            assertEquals(r.descriptions(), n.get(Kind.DESCRIPTION));
            assertEquals(r.drills(), n.get(Kind.DRILL));
            assertEquals(r.arithmeticProblems(), n.get(Kind.ARITHMETIC));
            assertEquals(r.knowledgeQuestions(), n.get(Kind.KNOWLEDGE));
            assertEquals((known * r.factMentions() + 3) / 4, (long) n.get(Kind.FACTS));
        }
        assertEquals(396, splits.world().facts().size());
        // half of each (relation, held out) stratum, rounded down for odd strata
        assertThat(splits.world().facts().stream().filter(f -> f.knownAt(0.5)).count()).isBetween(190L, 198L);
    }

    @Test
    void theSourceStatesEveryFactAsOftenAsTheRecipeSays() {
        Map<Integer, Integer> mentions = mentions(source);
        for (Fact f : splits.world().facts()) {
            assertThat(mentions.getOrDefault(f.id(), 0)).as("%s", f).isGreaterThanOrEqualTo(CorpusRecipe.source().factMentions());
        }
    }

    @Test
    void theTargetStatesHalfOfTheHeldOutFactsAndNothingOfTheOtherHalf() {
        Map<Integer, Integer> mentions = mentions(target);
        int heldOutKnown = 0, heldOut = 0;
        for (Fact f : splits.world().facts()) {
            int m = mentions.getOrDefault(f.id(), 0);
            if (f.knownAt(CorpusRecipe.target().factFraction())) {
                assertThat(m).as("%s", f).isGreaterThanOrEqualTo(CorpusRecipe.target().factMentions());
            } else {
                assertEquals(0, m, "the target corpus states " + f);
            }
            if (f.heldOut()) {
                heldOut++;
                heldOutKnown += m > 0 ? 1 : 0;
            }
        }
        assertEquals(200, heldOut);
        // stratified halves per relation: 96–104 of the 200 test facts, never all or none of one relation
        assertThat(heldOutKnown).isBetween(96, 104);
        for (Relation r : Relation.values()) {
            long known = splits.world().heldOutFacts().stream().filter(f -> f.relation() == r && mentions.containsKey(f.id())).count();
            long all = splits.world().heldOutFacts().stream().filter(f -> f.relation() == r).count();
            assertThat(known).as("%s", r).isBetween(all / 2 - 1, all / 2 + 1);
        }
    }

    /**
     * How often each fact's subject and value occur together in one sentence or line of the corpus, counted
     * over every document (stories and tasks included), by whole words.
     */
    private static Map<Integer, Integer> mentions(DemoCorpus c) {
        // index the facts by the last word of their subject ("Zorvia", "vellox", "Doncel"), then look up each
        // word of a sentence: linear in the corpus
        Map<String, List<Fact>> byLastWord = new HashMap<>();
        for (Fact f : splits.world().facts()) {
            String[] w = f.subject().split(" ");
            byLastWord.computeIfAbsent(w[w.length - 1], k -> new ArrayList<>()).add(f);
        }
        Map<String, Pattern> words = new HashMap<>();
        Map<Integer, Integer> out = new HashMap<>();
        for (int i = 0; i < c.size(); i++) {
            for (String line : c.document(i).split("\n")) {
                for (String sentence : line.split("(?<=[.?!]) (?=[A-Z])(?!A: )")) {
                    String lower = sentence.toLowerCase(Locale.ROOT);
                    for (String word : new HashSet<>(List.of(sentence.split("[^A-Za-z]+")))) {
                        for (Fact f : byLastWord.getOrDefault(word, List.of())) {
                            Pattern v = words.computeIfAbsent(f.value(), k -> Pattern.compile("(?i)\\b" + Pattern.quote(k) + "\\b"));
                            if (lower.contains(f.subject().toLowerCase(Locale.ROOT)) && v.matcher(sentence).find()) {
                                out.merge(f.id(), 1, Integer::sum);
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    @Test
    void noDocumentContainsASplitQuestion() {
        Set<String> questions = splits.allUserMessages();
        for (DemoCorpus c : List.of(source, target)) {
            for (int i = 0; i < c.size(); i++) {
                if (c.kind(i) == Kind.ARITHMETIC || c.kind(i) == Kind.KNOWLEDGE) {
                    String d = c.document(i);
                    assertThat(d).startsWith("<|user|>\n").endsWith("\n\n");
                    String user = d.substring("<|user|>\n".length(), d.indexOf("\n\n<|assistant|>\n"));
                    assertThat(questions).as("document %d", i).doesNotContain(user);
                }
            }
        }
    }

    @Test
    void knowledgeQuestionsAskOnlyStatedNonTestFactsAndAnswerThemRight() {
        Map<String, Fact> byStem = new HashMap<>();
        for (Fact f : splits.world().facts()) {
            for (String q : f.relation().questions()) {
                Fact clash = byStem.put(Relation.fill(q, f.subject(), f.value()), f);
                assertThat(clash).as("two facts share a question").isNull();
            }
        }
        for (DemoCorpus c : List.of(source, target)) {
            int[] letters = new int[4];
            for (int i = 0; i < c.size(); i++) {
                if (c.kind(i) != Kind.KNOWLEDGE) {
                    continue;
                }
                String[] lines = c.document(i).split("\n");
                Fact f = byStem.get(lines[3]);
                assertThat(f).as("document %d asks an unknown question: %s", i, lines[3]).isNotNull();
                assertThat(f.heldOut()).as("document %d asks a test fact", i).isFalse();
                assertThat(f.knownAt(c.recipe().factFraction())).as("document %d asks an unstated fact", i).isTrue();
                String answer = lines[lines.length - 1];
                assertThat(answer).matches("The answer is: [ABCD]");
                int k = "ABCD".indexOf(answer.charAt(answer.length() - 1));
                assertEquals(("ABCD".charAt(k)) + ". " + f.value(), lines[4 + k]);
                letters[k]++;
            }
            for (int n : letters) {
                assertThat(n).isBetween(c.recipe().knowledgeQuestions() / 4 - 150, c.recipe().knowledgeQuestions() / 4 + 150);
            }
        }
    }

    /** Reading questions: the knowledge layout with the asked fact stated before the stem, over non-test stated facts. */
    @Test
    void readingQuestionsStateTheFactTheyAskAndAnswerItRight() {
        Map<String, Fact> byStem = new HashMap<>();
        for (Fact f : splits.world().facts()) {
            for (String q : f.relation().questions()) {
                byStem.put(Relation.fill(q, f.subject(), f.value()), f);
            }
        }
        CorpusRecipe r = new CorpusRecipe(5, 0.5, 1, 0, 0, 0, 0, 0, 400);
        DemoCorpus c = DemoCorpus.of(splits, r);
        Set<String> questions = splits.allUserMessages();
        int reading = 0;
        for (int i = 0; i < c.size(); i++) {
            if (c.kind(i) != Kind.READING) {
                continue;
            }
            reading++;
            String[] lines = c.document(i).split("\n");
            assertThat(lines[1]).startsWith("The following are multiple choice questions (with answers) about ");
            Map.Entry<String, Fact> asked = byStem.entrySet().stream().filter(e -> lines[3].endsWith(" " + e.getKey()))
                    .findFirst().orElseThrow(() -> new AssertionError("no known stem ends " + lines[3]));
            Fact f = asked.getValue();
            String statement = lines[3].substring(0, lines[3].length() - asked.getKey().length() - 1);
            assertThat(statement).containsIgnoringCase(f.subject()).containsIgnoringCase(f.value());
            assertThat(f.heldOut()).isFalse();
            assertThat(f.knownAt(r.factFraction())).isTrue();
            String answer = lines[lines.length - 1];
            int k = "ABCD".indexOf(answer.charAt(answer.length() - 1));
            assertEquals(("ABCD".charAt(k)) + ". " + f.value(), lines[4 + k]);
            String user = c.document(i).substring("<|user|>\n".length(), c.document(i).indexOf("\n\n<|assistant|>\n"));
            assertThat(questions).doesNotContain(user);
        }
        assertEquals(400, reading);
    }

    @Test
    void storiesNameNothingOfTheWorld() {
        List<String> names = splits.world().facts().stream().map(Fact::subject).distinct().toList();
        for (int i = 0; i < 3000; i++) {
            if (source.kind(i) == Kind.STORY || source.kind(i) == Kind.DESCRIPTION || source.kind(i) == Kind.DRILL) {
                String d = source.document(i);
                for (String n : names) {
                    assertThat(d).doesNotContain(n);
                }
            }
        }
    }

    @Test
    void recipesRejectBadValues() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new CorpusRecipe(1, 1.5, 1, 1, 1, 1, 1, 1, 0));
        assertThat(e.getMessage()).contains("fact_fraction").contains("1.5");
        e = assertThrows(IllegalArgumentException.class,
                () -> new CorpusRecipe(1, 0.5, -1, 1, 1, 1, 1, 1, 0));
        assertThat(e.getMessage()).contains("fact_mentions");
        assertNotEquals(CorpusRecipe.source(), CorpusRecipe.target());
        assertEquals(1, CorpusRecipe.source().scaled(0.001).factMentions());
    }
}
