package org.pkt4j.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.data.ChatJsonl;
import org.pkt4j.data.ChatRecord;
import org.pkt4j.demo.DemoSplits.Split;
import org.pkt4j.io.Json;
import org.pkt4j.testing.Fixtures;

/** The demo task splits: reproducible, sized, disjoint from the test split, balanced and correct. */
class DemoSplitsTest {
    static DemoSplits splits;

    @BeforeAll
    static void generate() {
        splits = DemoSplits.generate(DemoSplits.DEFAULT_SEED);
    }

    @Test
    void committedFilesAreRegeneratedByteForByte(@TempDir Path tmp) throws IOException {
        splits.write(tmp);
        Path committed = DemoRepo.demo().resolve("data");
        for (Path f : DemoSplits.files()) {
            assertThat(Files.readAllBytes(tmp.resolve(f)))
                    .as("%s differs from a fresh `pkt demo-data splits` (seed %d)", f, DemoSplits.DEFAULT_SEED)
                    .isEqualTo(Files.readAllBytes(committed.resolve(f)));
        }
    }

    @Test
    void sameSeedSameItemsOtherSeedOtherItems() {
        DemoSplits again = DemoSplits.generate(DemoSplits.DEFAULT_SEED);
        DemoSplits other = DemoSplits.generate(DemoSplits.DEFAULT_SEED + 1);
        for (String task : DemoSplits.TASKS) {
            for (Split s : Split.values()) {
                assertEquals(lines(splits.items(task, s)), lines(again.items(task, s)), task + " " + s);
                assertThat(lines(other.items(task, s))).isNotEqualTo(lines(splits.items(task, s)));
            }
        }
    }

    @Test
    void splitSizesAndUniqueIds() {
        for (String task : DemoSplits.TASKS) {
            Set<String> ids = new HashSet<>();
            int n = 0;
            for (Split s : Split.values()) {
                List<TaskItem> items = splits.items(task, s);
                assertEquals(s.size(), items.size(), task + " " + s);
                items.forEach(i -> ids.add(i.id()));
                n += items.size();
            }
            assertEquals(n, ids.size(), task + ": ids must be unique across splits");
        }
        assertEquals(List.of(20, 80, 1000, 200), List.of(Split.values()).stream().map(Split::size).toList());
    }

    @Test
    void filesReadBackThroughTheProjectsChatReader(@TempDir Path tmp) throws IOException {
        splits.write(tmp);
        for (String task : DemoSplits.TASKS) {
            for (Split s : Split.values()) {
                List<ChatRecord> read = ChatJsonl.read(tmp.resolve(task).resolve(s.fileName(task)));
                List<TaskItem> items = splits.items(task, s);
                assertEquals(items.size(), read.size());
                for (int i = 0; i < items.size(); i++) {
                    assertEquals(items.get(i).messages(), read.get(i).messages());
                    assertEquals(items.get(i).id(), read.get(i).id());
                    assertEquals(task, read.get(i).metaString("dataset"));
                    assertEquals(items.get(i).category(), read.get(i).metaString("category"));
                }
            }
        }
    }

    /** The shipped LaTen splits, re-serialised by TaskItem, come out byte for byte: the layout is the same. */
    @Test
    void jsonLayoutIsTheShippedSplitsLayout() throws IOException {
        for (String file : List.of("gsm/gsm_align_split.jsonl", "mmlu/mmlu_align_split.jsonl")) {
            Path p = Fixtures.data().resolve("pkt-splits").resolve(file);
            int checked = 0;
            for (String line : Files.readString(p, StandardCharsets.UTF_8).split("\n")) {
                var n = Json.MAPPER.readTree(line);
                var ms = n.get("messages");
                String category = n.has("category") ? n.get("category").asText() : null;
                TaskItem item = new TaskItem(n.get("dataset").asText(), n.get("id").asText(), category,
                        ms.get(0).get("content").asText(), ms.get(1).get("content").asText(), -1);
                assertEquals(line, item.toJsonLine(), file);
                checked++;
            }
            assertEquals(80, checked);
        }
    }

    @Test
    void promptsAndAnswersHaveTheShippedShape() {
        Pattern mc = Pattern.compile("The following are multiple choice questions \\(with answers\\) about [a-z ]+\\.\n\n"
                + "[^\n]+\\?\nA\\. [^\n]+\nB\\. [^\n]+\nC\\. [^\n]+\nD\\. [^\n]+\nAnswer:");
        for (Split s : Split.values()) {
            for (TaskItem i : splits.items(DemoSplits.ARITHMETIC, s)) {
                assertThat(i.user()).startsWith("Answer the following question.\n\nQuestion: ").endsWith("?");
                assertThat(i.answer()).matches("Answer: .+ So the answer is \\d+\\.");
                assertThat(i.category()).isNull();
            }
            for (TaskItem i : splits.items(DemoSplits.KNOWLEDGE, s)) {
                assertThat(i.user()).matches(mc);
                assertThat(i.answer()).matches("The answer is: [ABCD]");
                assertThat(i.user()).contains("about " + i.category().replace('_', ' ') + ".\n\n");
                assertThat(i.id()).startsWith(i.category() + "_");
            }
        }
    }

    @Test
    void testQuestionsOccurInNoOtherSplit() {
        for (String task : DemoSplits.TASKS) {
            Set<String> others = new HashSet<>(), otherQuestions = new HashSet<>();
            for (Split s : List.of(Split.EXTRACT, Split.ALIGN, Split.TRAIN)) {
                for (TaskItem i : splits.items(task, s)) {
                    others.add(i.user());
                    otherQuestions.add(question(task, i));
                }
            }
            for (TaskItem i : splits.items(task, Split.TEST)) {
                assertThat(others).as("%s test item %s", task, i.id()).doesNotContain(i.user());
                // knowledge: not even the same question with other options
                assertThat(otherQuestions).as("%s test item %s", task, i.id()).doesNotContain(question(task, i));
            }
        }
    }

    /** The question itself: the GSM question, or the MMLU stem line without the options. */
    private static String question(String task, TaskItem i) {
        return task.equals(DemoSplits.KNOWLEDGE) ? i.user().split("\n")[2] : i.user();
    }

    @Test
    void knowledgeTestAsksEveryHeldOutFactOnceAndNothingElse() {
        Set<Integer> asked = new HashSet<>();
        for (TaskItem i : splits.items(DemoSplits.KNOWLEDGE, Split.TEST)) {
            assertTrue(splits.world().facts().get(i.factId()).heldOut(), i.id());
            asked.add(i.factId());
        }
        assertEquals(DemoWorld.TEST_FACTS, asked.size());
        for (Split s : List.of(Split.EXTRACT, Split.ALIGN, Split.TRAIN)) {
            for (TaskItem i : splits.items(DemoSplits.KNOWLEDGE, s)) {
                assertThat(splits.world().facts().get(i.factId()).heldOut()).as(i.id()).isFalse();
            }
        }
    }

    @Test
    void answerLettersAreBalancedAndPointAtTheFactsValue() {
        for (Split s : Split.values()) {
            Map<String, Integer> letters = new HashMap<>();
            for (TaskItem i : splits.items(DemoSplits.KNOWLEDGE, s)) {
                String letter = i.answer().substring("The answer is: ".length());
                letters.merge(letter, 1, Integer::sum);
                String[] lines = i.user().split("\n");
                List<String> options = new ArrayList<>();
                for (int k = 0; k < 4; k++) {
                    assertThat(lines[3 + k]).startsWith("ABCD".charAt(k) + ". ");
                    options.add(lines[3 + k].substring(3));
                }
                DemoWorld.Fact f = splits.world().facts().get(i.factId());
                assertEquals(f.value(), options.get("ABCD".indexOf(letter)), i.id());
                assertEquals(4, new HashSet<>(options).size(), i.id() + ": options must differ");
                assertThat(splits.world().pools().get(f.relation())).as(i.id()).containsAll(options);
                assertThat(lines[2]).as(i.id()).contains(f.subject());
            }
            int quarter = s.size() / 4;
            assertEquals(Map.of("A", quarter, "B", quarter, "C", quarter, "D", quarter), letters, s.toString());
        }
    }

    private static final Pattern EQUATION = Pattern.compile("(\\$?\\d+(?: [-+x/] \\$?\\d+)+) = \\$?(\\d+)");
    private static final Pattern NUMBER = Pattern.compile("\\d+");

    /** Recomputes every equation; operands come from the question or earlier results; the answer is the last result. */
    @Test
    void arithmeticAnswersAreCorrect() {
        for (Split s : Split.values()) {
            for (TaskItem i : splits.items(DemoSplits.ARITHMETIC, s)) {
                Set<Long> known = new HashSet<>();
                Matcher qn = NUMBER.matcher(i.user());
                while (qn.find()) {
                    known.add(Long.parseLong(qn.group()));
                }
                if (i.user().contains("half")) {
                    known.add(2L);
                }
                Matcher m = EQUATION.matcher(i.answer());
                long last = -1;
                int equations = 0;
                while (m.find()) {
                    String[] t = m.group(1).replace("$", "").split(" ");
                    long v = Long.parseLong(t[0]);
                    assertThat(known).as("%s: operand %s", i.id(), t[0]).contains(v);
                    for (int k = 1; k < t.length; k += 2) {
                        long b = Long.parseLong(t[k + 1]);
                        assertThat(known).as("%s: operand %s", i.id(), t[k + 1]).contains(b);
                        v = switch (t[k]) {
                            case "+" -> v + b;
                            case "-" -> v - b;
                            case "x" -> v * b;
                            default -> {
                                assertEquals(0, v % b, i.id() + ": inexact division");
                                yield v / b;
                            }
                        };
                    }
                    assertEquals(v, Long.parseLong(m.group(2)), i.id() + ": " + m.group());
                    assertThat(v).as(i.id()).isGreaterThanOrEqualTo(0);
                    known.add(v);
                    last = v;
                    equations++;
                }
                assertThat(equations).as(i.id()).isBetween(2, 3);
                assertThat(i.answer()).as(i.id()).endsWith("So the answer is " + last + ".");
            }
        }
    }

    /** Each template's tell-tale words: every template is asked in the test split, several times. */
    @Test
    void everyTemplateIsInTheTestSplit() {
        List<String> tells = List.of(" more .+ and then gives \\d+ of them to ", " holds \\d+ ", " for \\$\\d+ each\\. Then ",
                " shares them equally among ", " times as many ", " more \\w+ than on ", " each and \\d+ ",
                " gives half of them ", " saves \\$\\d+ every week", " trays of ");
        assertEquals(ArithmeticProblems.templateCount(), tells.size());
        for (String tell : tells) {
            Pattern p = Pattern.compile(tell);
            long n = splits.items(DemoSplits.ARITHMETIC, Split.TEST).stream().filter(i -> p.matcher(i.user()).find()).count();
            assertThat(n).as(tell).isGreaterThanOrEqualTo(8);
        }
    }

    private static List<String> lines(List<TaskItem> items) {
        return items.stream().map(TaskItem::toJsonLine).toList();
    }
}
