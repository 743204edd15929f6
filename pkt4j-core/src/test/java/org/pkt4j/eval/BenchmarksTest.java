package org.pkt4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.data.ChatFormat;
import org.pkt4j.data.ChatJsonl;
import org.pkt4j.data.ChatRecord;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.testing.Fixtures;

/**
 * Reading the shipped benchmarks and splits: counts, prompts byte-identical to the splits' chat format,
 * few-shot prompts, and wrong-format files rejected with the first offending line named.
 */
class BenchmarksTest {
    @TempDir
    Path tmp;

    private static Path data(String rel) {
        return Fixtures.data().resolve(rel);
    }

    @Test
    void gsm8kTestSet() throws IOException {
        Benchmarks.Data d = Benchmarks.load(Task.GSM8K, data("benchmarks/gsm8k/test.jsonl"), 0);
        assertThat(d.examples()).hasSize(1319);
        EvalExample first = d.examples().getFirst();
        assertThat(first.prompt()).isEqualTo("<|user|>\nAnswer the following question.\n\nQuestion: Janet\u2019s ducks lay 16 eggs per day. "
                + "She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder "
                + "at the farmers' market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' market?"
                + "\n\n<|assistant|>\nAnswer:");
        assertThat(first.expected()).isEqualTo("18");
        assertThat(first.id()).isEqualTo("gsm8k/0");
    }

    @Test
    void gsmSplitUsesTheRecordsOwnUserTurn() throws IOException {
        Path f = data("pkt-splits/gsm/gsm_extract_split.jsonl");
        Benchmarks.Data d = Benchmarks.load(Task.GSM8K, f, 0);
        List<ChatRecord> recs = ChatJsonl.read(f);
        assertThat(d.examples()).hasSize(20);
        for (int i = 0; i < recs.size(); i++) {
            EvalExample e = d.examples().get(i);
            assertThat(e.prompt()).isEqualTo(ChatFormat.userPrompt(recs.get(i).messages()) + "Answer:");
            assertThat(recs.get(i).last().content()).endsWith("So the answer is " + e.expected() + ".");
        }
        assertThat(d.examples().getFirst().expected()).isEqualTo("12");
    }

    @Test
    void mmluDirectoryHoldsEveryTestQuestion() throws IOException {
        Benchmarks.Data d = Benchmarks.load(Task.MMLU, data("benchmarks/mmlu"), 0);
        assertThat(d.examples()).hasSize(14042);
        assertThat(d.examples().stream().map(EvalExample::subject).distinct().count()).isEqualTo(57);
        EvalExample first = d.examples().getFirst();
        assertThat(first.id()).isEqualTo("abstract_algebra/0");
        assertThat(first.prompt()).isEqualTo("<|user|>\nThe following are multiple choice questions (with answers) about abstract algebra.\n\n"
                + "Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.\nA. 0\nB. 4\nC. 2\nD. 6\nAnswer:"
                + "\n\n<|assistant|>\nThe answer is:");
        assertThat(first.expected()).isEqualTo("B");
    }

    @Test
    void mmluCsvPromptsMatchTheSplitsUserMessages() throws IOException {
        Map<String, String> csvUser = new HashMap<>();
        for (EvalExample e : Benchmarks.load(Task.MMLU, data("benchmarks/mmlu/test"), 0).examples()) {
            csvUser.put(e.prompt(), e.expected());
        }
        int same = 0;
        for (ChatRecord r : ChatJsonl.read(data("pkt-splits/mmlu/mmlu_train_split.jsonl"))) {
            String prompt = ChatFormat.userPrompt(r.messages()) + "The answer is:";
            String letter = csvUser.get(prompt);
            if (letter != null) {
                same++;
                assertThat(r.last().content()).isEqualTo("The answer is: " + letter);
            }
        }
        // the split holds 15 MMLU test questions; 6 of them under the same subject, which must render identically
        assertThat(same).isEqualTo(6);
    }

    @Test
    void mmluFewShotTakesTheSubjectsDevRows() throws IOException {
        Benchmarks.Data d = Benchmarks.load(Task.MMLU, data("benchmarks/mmlu/test/anatomy_test.csv"), 5);
        assertThat(d.examples()).hasSize(135);
        List<MultipleChoice.Question> dev = MultipleChoice.readCsv(data("benchmarks/mmlu/dev/anatomy_dev.csv"), "anatomy");
        String prompt = d.examples().get(7).prompt();
        String shots = dev.stream().map(MultipleChoice.Question::asShot).collect(Collectors.joining());
        assertThat(prompt).startsWith("<|user|>\nThe following are multiple choice questions (with answers) about anatomy.\n\n" + shots);
        assertThat(prompt).endsWith("\nAnswer:\n\n<|assistant|>\nThe answer is:");
        assertThat(shots).contains("\nAnswer: " + dev.getFirst().answer() + "\n\n");
        // every question of the subject shares the same shot prefix (what the KV-cache reuse feeds on)
        assertThat(d.examples().get(100).prompt()).startsWith(prompt.substring(0, prompt.indexOf(shots) + shots.length()));
    }

    @Test
    void fewShotWithoutDevDirectoryTakesOtherQuestionsOfTheFile() throws IOException {
        Path csv = tmp.resolve("x_test.csv");
        Files.writeString(csv, "question,choice0,choice1,choice2,choice3,answer\nq0,a,b,c,d,0\nq1,a,b,c,d,1\n\"q2, \"\"quoted\"\"\nline\",a,b,c,d,2\n");
        List<EvalExample> ex = Benchmarks.load(Task.MMLU, csv, 1).examples();
        assertThat(ex).hasSize(3);
        assertThat(ex.get(0).prompt()).contains("about x.\n\nq1\nA. a\nB. b\nC. c\nD. d\nAnswer: B\n\nq0\n");
        assertThat(ex.get(1).prompt()).contains("about x.\n\nq0\nA. a\nB. b\nC. c\nD. d\nAnswer: A\n\nq1\n");
        assertThat(ex.get(2).prompt()).contains("q2, \"quoted\"\nline\nA. a");
        assertThat(ex.get(2).expected()).isEqualTo("C");
        assertThatThrownBy(() -> Benchmarks.load(Task.MMLU, csv, 3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--shots 3");
    }

    @Test
    void originalHendrycksCsvLayoutIsReadToo() throws IOException {
        Path csv = tmp.resolve("virology_test.csv");
        Files.writeString(csv, "What is 1+1?,1,2,3,4,B\n");
        EvalExample e = Benchmarks.load(Task.MMLU, csv, 0).examples().getFirst();
        assertThat(e.expected()).isEqualTo("B");
        assertThat(e.prompt()).contains("about virology.\n\nWhat is 1+1?\nA. 1\n");
    }

    @Test
    void mmluSplitAndKnowledgeChatRecords() throws IOException {
        Path f = data("pkt-splits/mmlu/mmlu_extract_split.jsonl");
        List<ChatRecord> recs = ChatJsonl.read(f);
        List<EvalExample> ex = Benchmarks.load(Task.KNOWLEDGE, f, 0).examples();
        assertThat(ex).hasSize(20);
        for (int i = 0; i < ex.size(); i++) {
            assertThat(ex.get(i).prompt()).isEqualTo(ChatFormat.userPrompt(recs.get(i).messages()) + "The answer is:");
            assertThat(recs.get(i).last().content()).isEqualTo("The answer is: " + ex.get(i).expected());
            assertThat(ex.get(i).subject()).isEqualTo(recs.get(i).metaString("category"));
        }
        // one shot from the same category, the question itself skipped
        Path two = tmp.resolve("k.jsonl");
        Files.writeString(two, line("geo", "H.\n\nQ1?\nA. a\nB. b\nC. c\nD. d\nAnswer:", "The answer is: C")
                + line("geo", "H.\n\nQ2?\nA. a\nB. b\nC. c\nD. d\nAnswer:", "The answer is: A"));
        List<EvalExample> k = Benchmarks.load(Task.KNOWLEDGE, two, 1).examples();
        assertThat(k.get(0).prompt()).startsWith("<|user|>\nH.\n\nQ2?\nA. a\nB. b\nC. c\nD. d\nAnswer: A\n\nQ1?\n");
        assertThat(k.get(1).prompt()).startsWith("<|user|>\nH.\n\nQ1?\nA. a\nB. b\nC. c\nD. d\nAnswer: C\n\nQ2?\n");
    }

    @Test
    void humanEvalAndMbpp() throws IOException {
        assertThat(Benchmarks.load(Task.HUMANEVAL, data("benchmarks/humaneval/HumanEval.jsonl"), 0).examples()).hasSize(164);
        Benchmarks.Data mbpp = Benchmarks.load(Task.MBPP, data("benchmarks/mbpp/mbpp.jsonl"), 0);
        assertThat(mbpp.examples()).hasSize(500);
        assertThat(mbpp.examples().getFirst().id()).isEqualTo("mbpp/11");
        assertThat(mbpp.notes()).anyMatch(n -> n.contains("11-510"));
        assertThat(Benchmarks.load(Task.MBPP, data("benchmarks/mbpp/sanitized-mbpp.json"), 0).examples()).hasSize(257);
    }

    @Test
    void mbppPromptsMatchTheSplitsUserMessages() throws IOException {
        // the split holds train-range problems (601-974); a file of only those is evaluated whole
        List<String> train = new ArrayList<>();
        for (String l : Files.readString(data("benchmarks/mbpp/mbpp.jsonl")).split("\n")) {
            if (!l.isBlank() && Json.MAPPER.readTree(l).get("task_id").asInt() > 600) {
                train.add(l);
            }
        }
        Path f = tmp.resolve("mbpp-train.jsonl");
        Files.writeString(f, String.join("\n", train) + "\n");
        Map<String, EvalExample> byPrompt = new HashMap<>();
        for (EvalExample e : Benchmarks.load(Task.MBPP, f, 0).examples()) {
            byPrompt.put(e.prompt(), e);
        }
        assertThat(byPrompt).hasSize(374);
        int same = 0;
        for (ChatRecord r : ChatJsonl.read(data("pkt-splits/mbpp/mbpp_train_split.jsonl"))) {
            if (byPrompt.containsKey(ChatFormat.userPrompt(r.messages()) + Answers.CODE_REPLY_PREFIX)) {
                same++;
            }
        }
        // every split record whose task text appears verbatim in mbpp.jsonl (236 of 300; the others differ in the
        // text's whitespace) renders identically, signature line included
        assertThat(same).isEqualTo(236);
    }

    @Test
    void wrongFormatsNameTheFirstOffendingLine() throws IOException {
        String ok = "{\"question\": \"1+1?\", \"answer\": \"2\\n#### 2\"}\n";
        assertError(Task.GSM8K, "g1.jsonl", ok + ok + "{not json\n" + "{also bad\n", "line 3: malformed JSON");
        assertError(Task.GSM8K, "g2.jsonl", ok + "{\"question\": \"x\", \"answer\": \"no hashes\"}\n", "line 2: 'answer' has no final '#### <number>' line");
        assertError(Task.GSM8K, "g3.jsonl", ok + "\n" + line("c", "hi", "So the answer is 3.") , "line 3: expected a GSM8K record");
        assertError(Task.GSM8K, "g4.jsonl", line("c", "hi", "So the answer is 3.") + line("c", "hi", "no number"), "line 2: the assistant reply states no final number");
        // the first offending line wins, whatever kind of error comes later
        assertError(Task.GSM8K, "g5.jsonl", ok + "{\"question\": \"x\"}\n{broken\n", "line 2: expected a GSM8K record");
        assertError(Task.ARITHMETIC, "g6.jsonl", line("c", "hi", "So the answer is 3.") + line("c", "hi", "none") + "{broken\n",
                "line 2: the assistant reply states no final number");
        assertError(Task.GSM8K, "g7.jsonl", line("c", "hi", "So the answer is 3.") + ok, "line 2: a record without 'messages' in a file of chat records");
        assertError(Task.KNOWLEDGE, "k3.jsonl", line("c", "Q\nAnswer:", "The answer is: A") + line("c", "Q\nAnswer:", "none") + "{broken\n",
                "line 2: the assistant reply states no answer letter");
        assertError(Task.HUMANEVAL, "h.jsonl", line("c", "hi", "def f(): pass"), "line 1: chat records carry no tests");
        assertError(Task.HUMANEVAL, "h2.jsonl", "{\"task_id\": \"a\", \"prompt\": \"p\", \"entry_point\": \"f\", \"test\": \"t\"}\n{\"task_id\": \"b\"}\n",
                "line 2: expected a HumanEval record");
        assertError(Task.MBPP, "m.jsonl", "{\"task_id\": 1, \"text\": \"t\", \"code\": \"def f(): pass\", \"test_list\": []}\n", "line 1: expected an MBPP record");
        String header = "question,choice0,choice1,choice2,choice3,answer\n";
        assertError(Task.MMLU, "a_test.csv", header + "q,a,b,c,d,0\nq,a,b,c,0\nq,a,b\n", "line 3: expected 6 fields");
        assertError(Task.MMLU, "b_test.csv", header + "q,a,b,c,d,0\n\"multi\nline\",a,b,c,d,7\n", "line 3: answer must be a 0-based index 0-3");
        assertError(Task.MMLU, "c_test.csv", header + "q,a,b,c,d,0\n\"open,a,b,c,d,1\n", "line 3: unterminated quoted field");
        assertError(Task.KNOWLEDGE, "k.jsonl", line("c", "Q\nAnswer:", "The answer is: A") + line("c", "Q?", "The answer is: B"),
                "line 2: the user message must end with 'Answer:'");
        assertError(Task.KNOWLEDGE, "k2.jsonl", line("c", "Q\nAnswer:", "I think so"), "line 1: the assistant reply states no answer letter");
    }

    @Test
    void shotsOnlyForChoiceTasks() {
        assertThatThrownBy(() -> Benchmarks.load(Task.GSM8K, data("benchmarks/gsm8k/test.jsonl"), 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--shots applies to the multiple-choice tasks");
    }

    @Test
    void limitIsASeededOrderedSubset() throws IOException {
        List<EvalExample> all = Benchmarks.load(Task.MMLU, data("benchmarks/mmlu/test"), 0).examples();
        List<EvalExample> a = Benchmarks.sample(all, 100, 7);
        assertThat(a).hasSize(100).isEqualTo(Benchmarks.sample(all, 100, 7)).isNotEqualTo(Benchmarks.sample(all, 100, 8));
        List<Integer> positions = a.stream().map(all::indexOf).toList();
        assertThat(positions).isSorted().doesNotHaveDuplicates();
        assertThat(a.stream().map(EvalExample::subject).distinct().count()).as("subjects spanned").isGreaterThan(30);
        assertThat(Benchmarks.sample(all, 0, 7)).isSameAs(all);
    }

    @Test
    void dataHashCoversFilesAndDirectories() throws IOException {
        Path f = tmp.resolve("a.jsonl");
        Files.writeString(f, "abc");
        assertThat(Benchmarks.sha256(f)).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        String before = Benchmarks.sha256(tmp);
        Files.writeString(tmp.resolve("b.jsonl"), "x");
        assertThat(Benchmarks.sha256(tmp)).isNotEqualTo(before).hasSize(64);
    }

    private void assertError(Task task, String name, String content, String message) throws IOException {
        Path f = tmp.resolve(name);
        Files.writeString(f, content, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Benchmarks.load(task, f, 0)).isInstanceOf(FormatException.class)
                .hasMessageStartingWith(f.toString()).hasMessageContaining(message);
    }

    private static String line(String category, String user, String assistant) {
        JsonNode n = Json.MAPPER.valueToTree(Map.of("category", category, "messages",
                List.of(Map.of("role", "user", "content", user), Map.of("role", "assistant", "content", assistant))));
        return Json.writeLine(n) + "\n";
    }
}
