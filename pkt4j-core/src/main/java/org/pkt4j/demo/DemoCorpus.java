package org.pkt4j.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.pkt4j.data.ChatFormat;
import org.pkt4j.data.ChatRecord;

/**
 * A demo pretraining corpus: documents of generic English, statements of the world's facts, equation drills,
 * and arithmetic, knowledge and reading (knowledge with the fact restated) tasks in the chat rendering of
 * PKT-SPEC §1 ({@link ChatFormat#full}), mixed in a seeded order. Documents are made on demand from {@code (seed, index)}, so the corpus costs no storage and
 * any document can be regenerated alone.
 *
 * <p>Guarantees, for any recipe: a fact is stated iff {@link DemoWorld.Fact#knownAt knownAt(factFraction)}, in
 * exactly {@code factMentions} fact sentences (one fact per sentence); no document contains a split's question;
 * knowledge and reading questions ask only stated facts that the test split does not ask (a reading question
 * restates its fact once more). A document has no BOS or EOS: the trainer
 * appends EOS to each (PKT-SPEC §1 tokenizes chat examples without BOS), see models/demo/DESIGN.md.
 */
public final class DemoCorpus {

    /** What a document is. */
    public enum Kind { STORY, DESCRIPTION, FACTS, DRILL, ARITHMETIC, KNOWLEDGE, READING }

    /** Fact statements per {@link Kind#FACTS} document. */
    static final int STATEMENTS_PER_DOCUMENT = 4;

    private final DemoSplits splits;
    private final CorpusRecipe recipe;
    private final Kind[] kinds;
    /** Per FACTS document, its index among them. */
    private final int[] factDocument;
    /** (fact id, phrasing) pairs in stated order, packed as id * PHRASINGS + phrasing. */
    private final int[] statements;
    private final List<DemoWorld.Fact> quizzable;
    private final Set<String> excluded;

    private DemoCorpus(DemoSplits splits, CorpusRecipe recipe) {
        this.splits = splits;
        this.recipe = recipe;
        DemoRandom rng = DemoRandom.of(recipe.seed(), "corpus-plan");
        List<DemoWorld.Fact> known = splits.world().facts().stream().filter(f -> f.knownAt(recipe.factFraction())).toList();
        List<Integer> plan = new ArrayList<>();
        for (DemoWorld.Fact f : known) {
            int phrasings = phrasings(f.relation());
            assert phrasings <= MAX_PHRASINGS : f.relation() + " has more phrasings than the plan's packing allows";
            for (int m = 0; m < recipe.factMentions(); m++) {
                plan.add(f.id() * MAX_PHRASINGS + m % phrasings);
            }
        }
        rng.shuffle(plan);
        this.statements = plan.stream().mapToInt(Integer::intValue).toArray();
        int factDocs = (statements.length + STATEMENTS_PER_DOCUMENT - 1) / STATEMENTS_PER_DOCUMENT;

        List<Kind> order = new ArrayList<>();
        add(order, Kind.STORY, recipe.stories());
        add(order, Kind.DESCRIPTION, recipe.descriptions());
        add(order, Kind.FACTS, factDocs);
        add(order, Kind.DRILL, recipe.drills());
        add(order, Kind.ARITHMETIC, recipe.arithmeticProblems());
        add(order, Kind.KNOWLEDGE, recipe.knowledgeQuestions());
        // added last, so that a recipe without reading questions keeps the document order it had before they existed
        add(order, Kind.READING, recipe.readingQuestions());
        rng.shuffle(order);
        this.kinds = order.toArray(Kind[]::new);
        this.factDocument = new int[kinds.length];
        for (int i = 0, k = 0; i < kinds.length; i++) {
            factDocument[i] = kinds[i] == Kind.FACTS ? k++ : -1;
        }
        this.quizzable = known.stream().filter(f -> !f.heldOut()).toList();
        if (recipe.knowledgeQuestions() + recipe.readingQuestions() > 0 && quizzable.isEmpty()) {
            throw new IllegalArgumentException("knowledge_questions or reading_questions > 0 but fact_fraction " + recipe.factFraction()
                    + " states no fact that questions may ask");
        }
        this.excluded = splits.allUserMessages();
    }

    /** The corpus of {@code recipe} over the world and splits of {@code splits}. */
    public static DemoCorpus of(DemoSplits splits, CorpusRecipe recipe) {
        return new DemoCorpus(splits, recipe);
    }

    public CorpusRecipe recipe() {
        return recipe;
    }

    public int size() {
        return kinds.length;
    }

    public Kind kind(int i) {
        return kinds[i];
    }

    /** Document {@code i} (0 ≤ i < size), the same text on every call. */
    public String document(int i) {
        DemoRandom rng = DemoRandom.of(recipe.seed(), "document-" + i);
        return switch (kinds[i]) {
            case STORY -> Stories.story(rng);
            case DESCRIPTION -> Stories.description(rng);
            case FACTS -> facts(factDocument[i]);
            case DRILL -> drill(rng);
            case ARITHMETIC -> arithmetic(rng);
            case KNOWLEDGE -> knowledge(rng);
            case READING -> reading(rng);
        };
    }

    /** All documents in order. */
    public Stream<String> documents() {
        return IntStream.range(0, size()).mapToObj(this::document);
    }

    // A fact's phrasings: its relation's statements, then "Q: <question> A: <value>." for each question stem —
    // the question-and-answer form helps a small model retrieve a fact when a question asks it.
    private static final int MAX_PHRASINGS = 16;

    static int phrasings(Relation r) {
        return r.statements().size() + r.questions().size();
    }

    /** Phrasing {@code k} of {@code f}: one sentence that states it. */
    static String statement(DemoWorld.Fact f, int k) {
        List<String> st = f.relation().statements();
        if (k < st.size()) {
            return Relation.fill(st.get(k), f.subject(), f.value());
        }
        String q = Relation.fill(f.relation().questions().get(k - st.size()), f.subject(), f.value());
        return "Q: " + q + " A: " + Lexicon.capitalise(f.value()) + ".";
    }

    private String facts(int doc) {
        List<DemoWorld.Fact> facts = splits.world().facts();
        StringBuilder sb = new StringBuilder();
        int end = Math.min(statements.length, (doc + 1) * STATEMENTS_PER_DOCUMENT);
        for (int j = doc * STATEMENTS_PER_DOCUMENT; j < end; j++) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(statement(facts.get(statements[j] / MAX_PHRASINGS), statements[j] % MAX_PHRASINGS));
        }
        return sb.toString();
    }

    /** 4–8 equations over the numbers the arithmetic templates use. */
    private static String drill(DemoRandom rng) {
        StringBuilder sb = new StringBuilder();
        int n = rng.between(4, 8);
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : " ").append(equation(rng)).append('.');
        }
        return sb.toString();
    }

    private static String equation(DemoRandom rng) {
        return switch (rng.nextInt(4)) {
            case 0 -> {
                int a = rng.between(1, 99), b = rng.between(1, 99);
                yield a + " + " + b + " = " + (a + b);
            }
            case 1 -> {
                int b = rng.between(1, 99), c = rng.between(0, 99);
                yield (b + c) + " - " + b + " = " + c;
            }
            case 2 -> {
                int a = rng.between(2, 12), b = rng.between(2, 12);
                yield a + " x " + b + " = " + (a * b);
            }
            default -> {
                int b = rng.between(2, 12), c = rng.between(1, 12);
                yield (b * c) + " / " + b + " = " + c;
            }
        };
    }

    private String arithmetic(DemoRandom rng) {
        ArithmeticProblems.Problem p;
        do {
            p = ArithmeticProblems.next(rng);
        } while (excluded.contains(p.user()));
        return chat(p.user(), p.answer());
    }

    private String knowledge(DemoRandom rng) {
        KnowledgeQuestions.Question q;
        do {
            DemoWorld.Fact f = rng.pick(quizzable);
            q = KnowledgeQuestions.ask(splits.world(), f, rng.nextInt(KnowledgeQuestions.LETTERS.size()), rng);
        } while (excluded.contains(q.user()));
        return chat(q.user(), q.answer());
    }

    /**
     * A knowledge question whose stem is preceded by a statement of the fact it asks (one of the relation's
     * plain statements), in the task's layout: the answer can be read off the question.
     */
    private String reading(DemoRandom rng) {
        DemoWorld.Fact f = rng.pick(quizzable);
        KnowledgeQuestions.Question q = KnowledgeQuestions.ask(splits.world(), f, rng.nextInt(KnowledgeQuestions.LETTERS.size()), rng);
        String stated = statement(f, rng.nextInt(f.relation().statements().size()));
        int stem = q.user().indexOf("\n\n") + 2;
        return chat(q.user().substring(0, stem) + stated + " " + q.user().substring(stem), q.answer());
    }

    private static String chat(String user, String answer) {
        return ChatFormat.full(List.of(new ChatRecord.Message("user", user), new ChatRecord.Message("assistant", answer)));
    }

    private static void add(List<Kind> order, Kind kind, int n) {
        for (int i = 0; i < n; i++) {
            order.add(kind);
        }
    }
}
