package org.pkt4j.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.pkt4j.io.AtomicFiles;

/**
 * The demo tasks' splits, made from one seed: for {@code arithmetic} and {@code knowledge}, an extract split
 * (20), an align split (80), a train split (1000) — the sizes of the shipped LaTen splits — and a held-out test
 * split (200). Test questions never occur in another split; knowledge test questions ask only the world's
 * held-out facts, which no other split asks. Within every knowledge split each answer letter is right equally
 * often.
 *
 * @param seed      the seed everything was made from
 * @param world     the world the knowledge questions ask about
 * @param splits    task → split → items, in file order
 */
public record DemoSplits(long seed, DemoWorld world, Map<String, Map<Split, List<TaskItem>>> splits) {

    /** The seed of the committed demo data ({@code models/demo/data}). */
    public static final long DEFAULT_SEED = 2505_14436L;

    public static final String ARITHMETIC = "arithmetic";
    public static final String KNOWLEDGE = "knowledge";
    public static final List<String> TASKS = List.of(ARITHMETIC, KNOWLEDGE);

    /** The four splits and their sizes. */
    public enum Split {
        EXTRACT(20), ALIGN(80), TRAIN(1000), TEST(200);

        private final int size;

        Split(int size) {
            this.size = size;
        }

        public int size() {
            return size;
        }

        /** "extract", "align", "train", "test". */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The file name of this split of {@code task}, e.g. "knowledge_align_split.jsonl". */
        public String fileName(String task) {
            return task + "_" + label() + "_split.jsonl";
        }
    }

    public List<TaskItem> items(String task, Split split) {
        Map<Split, List<TaskItem>> t = splits.get(task);
        if (t == null) {
            throw new IllegalArgumentException("unknown demo task '" + task + "' (expected one of " + TASKS + ")");
        }
        return t.get(split);
    }

    /** The user message of every item of every split: what a pretraining corpus must never contain verbatim. */
    public Set<String> allUserMessages() {
        Set<String> out = new HashSet<>();
        splits.values().forEach(t -> t.values().forEach(items -> items.forEach(i -> out.add(i.user()))));
        return out;
    }

    /** Makes the splits of {@code seed} (the world included). */
    public static DemoSplits generate(long seed) {
        DemoWorld world = DemoWorld.generate(seed);
        Map<String, Map<Split, List<TaskItem>>> splits = new LinkedHashMap<>();
        splits.put(ARITHMETIC, arithmetic(DemoRandom.of(seed, "arithmetic-splits")));
        splits.put(KNOWLEDGE, knowledge(world, DemoRandom.of(seed, "knowledge-splits")));
        return new DemoSplits(seed, world, Collections.unmodifiableMap(splits));
    }

    /** Writes {@code DIR/<task>/<task>_<split>_split.jsonl} for every task and split. */
    public void write(Path dir) throws IOException {
        for (String task : TASKS) {
            for (Split s : Split.values()) {
                StringBuilder sb = new StringBuilder();
                for (TaskItem item : items(task, s)) {
                    sb.append(item.toJsonLine()).append('\n');
                }
                Path file = dir.resolve(task).resolve(s.fileName(task));
                AtomicFiles.writeFile(file, tmp -> Files.writeString(tmp, sb, StandardCharsets.UTF_8));
            }
        }
    }

    /** The files {@link #write} makes, relative to its directory. */
    public static List<Path> files() {
        List<Path> out = new ArrayList<>();
        for (String task : TASKS) {
            for (Split s : Split.values()) {
                out.add(Path.of(task, s.fileName(task)));
            }
        }
        return out;
    }

    private static Map<Split, List<TaskItem>> arithmetic(DemoRandom rng) {
        int total = 0;
        for (Split s : Split.values()) {
            total += s.size();
        }
        Set<String> seen = new HashSet<>();
        List<ArithmeticProblems.Problem> problems = new ArrayList<>();
        while (problems.size() < total) {
            ArithmeticProblems.Problem p = ArithmeticProblems.next(rng);
            if (seen.add(p.question())) {
                problems.add(p);
            }
        }
        Map<Split, List<TaskItem>> out = new LinkedHashMap<>();
        int next = 0;
        for (Split s : Split.values()) {
            List<TaskItem> items = new ArrayList<>();
            for (int i = 0; i < s.size(); i++, next++) {
                ArithmeticProblems.Problem p = problems.get(next);
                items.add(new TaskItem(ARITHMETIC, ARITHMETIC + "_" + next, null, p.user(), p.answer(), -1));
            }
            out.put(s, List.copyOf(items));
        }
        return Collections.unmodifiableMap(out);
    }

    private static Map<Split, List<TaskItem>> knowledge(DemoWorld world, DemoRandom rng) {
        List<DemoWorld.Fact> held = new ArrayList<>(world.heldOutFacts());
        if (held.size() != Split.TEST.size()) {
            throw new IllegalStateException("the world holds out " + held.size() + " facts, the test split asks " + Split.TEST.size());
        }
        List<DemoWorld.Fact> asked = world.questionFacts();
        // extract, align and train cycle through the question facts in shuffled passes, so each is asked
        // about equally often (1100 questions over ~200 facts: 5–6 questions per fact, different options)
        List<DemoWorld.Fact> cycle = new ArrayList<>();
        Map<Split, List<DemoWorld.Fact>> factsBySplit = new LinkedHashMap<>();
        for (Split s : Split.values()) {
            if (s == Split.TEST) {
                rng.shuffle(held);
                factsBySplit.put(s, held);
                continue;
            }
            List<DemoWorld.Fact> fs = new ArrayList<>();
            while (fs.size() < s.size()) {
                if (cycle.isEmpty()) {
                    cycle.addAll(asked);
                    rng.shuffle(cycle);
                }
                fs.add(cycle.removeLast());
            }
            factsBySplit.put(s, fs);
        }
        Set<String> seen = new HashSet<>();
        Map<String, Integer> perCategory = new TreeMap<>();
        Map<Split, List<TaskItem>> out = new LinkedHashMap<>();
        for (Map.Entry<Split, List<DemoWorld.Fact>> e : factsBySplit.entrySet()) {
            List<DemoWorld.Fact> fs = e.getValue();
            List<Integer> letters = balancedLetters(fs.size(), rng);
            List<TaskItem> items = new ArrayList<>();
            for (int i = 0; i < fs.size(); i++) {
                DemoWorld.Fact f = fs.get(i);
                KnowledgeQuestions.Question q;
                do {
                    q = KnowledgeQuestions.ask(world, f, letters.get(i), rng);
                } while (!seen.add(q.user()));
                String category = f.relation().category();
                int n = perCategory.merge(category, 1, Integer::sum) - 1;
                items.add(new TaskItem(KNOWLEDGE, category + "_" + n, category, q.user(), q.answer(), f.id()));
            }
            out.put(e.getKey(), List.copyOf(items));
        }
        return Collections.unmodifiableMap(out);
    }

    /** Option positions with each letter equally often (sizes are multiples of 4), in random order. */
    private static List<Integer> balancedLetters(int n, DemoRandom rng) {
        int k = KnowledgeQuestions.LETTERS.size();
        if (n % k != 0) {
            throw new IllegalArgumentException("split size " + n + " is not a multiple of " + k);
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(i % k);
        }
        rng.shuffle(out);
        return out;
    }
}
