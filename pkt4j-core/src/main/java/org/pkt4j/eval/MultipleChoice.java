package org.pkt4j.eval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.pkt4j.data.ChatRecord;
import org.pkt4j.io.FormatException;

/**
 * MMLU-style questions (mmlu and the knowledge demo task) and their prompts.
 *
 * <p>Sources: an MMLU CSV file, a directory of {@code *_test.csv} (or one holding {@code test/}), or chat
 * records in the mmlu split's layout. The CSVs may have the shipped layout (header
 * {@code question,choice0,choice1,choice2,choice3,answer}, 0-based answer index) or hendrycks' original
 * one (no header, answer letter A-D); quoted fields may span lines.
 *
 * <p>Prompt (the split's format, extended to k shots the way hendrycks' MMLU code does): one user turn
 * {@code header + "\n\n" + shot_1 + ... + shot_k + question}, where header is "The following are multiple
 * choice questions (with answers) about {subject}.", a question is {@code text + "\nA. ..." ... "\nD. ..." +
 * "\nAnswer:"} and a shot is a question followed by {@code " " + letter + "\n\n"}; then the assistant turn
 * primed with "The answer is:". With k = 0 this is exactly the split's user message. Shots are the first k
 * rows of the subject's file in a sibling {@code dev} directory when there is one, else the first k
 * questions of the same subject in the data itself, skipping the question being asked.
 */
final class MultipleChoice {
    private MultipleChoice() {
    }

    static final String LETTERS = "ABCD";
    private static final List<String> HEADER = List.of("question", "choice0", "choice1", "choice2", "choice3", "answer");

    /** One question: the subject header, the question block (ending "Answer:") and the correct letter. */
    record Question(String id, String subject, int line, String header, String body, char answer) {
        String asShot() {
            return body + " " + answer + "\n\n";
        }
    }

    static Benchmarks.Data load(Task task, Path data, int shots) throws IOException {
        if (!Files.isDirectory(data) && !data.getFileName().toString().endsWith(".csv")) {
            List<Question> qs = new ArrayList<>();
            Benchmarks.eachLine(data, (line, text) ->
                    qs.add(question(task, Benchmarks.chatRecord(data, line, text, Benchmarks.object(data, line, text)), data)));
            return new Benchmarks.Data(task, data, withShots(task, qs, shots, data), shots == 0 ? List.of()
                    : List.of("shots: the first " + shots + " questions of the same category in the file, skipping the question asked"));
        }
        List<Path> files = new ArrayList<>();
        Path dir = data;
        if (Files.isDirectory(data)) {
            if (csvs(data).isEmpty() && Files.isDirectory(data.resolve("test"))) {
                dir = data.resolve("test");
            }
            files.addAll(csvs(dir));
            if (files.isEmpty()) {
                throw new NoSuchFileException(data.toString(), null, "no *_test.csv files (MMLU layout) in this directory");
            }
        } else {
            files.add(data);
            dir = data.toAbsolutePath().getParent();
        }
        Path dev = dir.toAbsolutePath().resolveSibling("dev");
        boolean useDev = shots > 0 && Files.isDirectory(dev);
        List<EvalExample> out = new ArrayList<>();
        for (Path f : files) {
            String subject = subjectOf(f);
            List<Question> qs = readCsv(f, subject);
            List<Question> devQs = null;
            if (useDev) {
                Path devFile = dev.resolve(subject + "_dev.csv");
                if (!Files.isRegularFile(devFile)) {
                    throw new NoSuchFileException(devFile.toString(), null, "no dev file for subject " + subject + " (needed for --shots)");
                }
                devQs = readCsv(devFile, subject);
            }
            for (int i = 0; i < qs.size(); i++) {
                List<Question> s = devQs != null ? firstShots(devQs, -1, shots, devFile(dev, subject)) : firstShots(qs, i, shots, f);
                out.add(example(task, qs.get(i), s));
            }
        }
        String note = shots == 0 ? "0-shot" : useDev ? "shots: the first " + shots + " rows of " + dev + "/<subject>_dev.csv"
                : "shots: the first " + shots + " questions of the same file, skipping the question asked (no sibling dev directory)";
        return new Benchmarks.Data(task, data, out, List.of(files.size() + " CSV file(s)", note));
    }

    private static Path devFile(Path dev, String subject) {
        return dev.resolve(subject + "_dev.csv");
    }

    static List<EvalExample> fromChat(Task task, List<ChatRecord> records, Path source, int shots) throws FormatException {
        List<Question> qs = new ArrayList<>();
        for (ChatRecord r : records) {
            qs.add(question(task, r, source));
        }
        return withShots(task, qs, shots, source);
    }

    /** A chat record in the mmlu split's layout as a question; the header is the user turn's first paragraph. */
    private static Question question(Task task, ChatRecord r, Path source) throws FormatException {
        Benchmarks.checkReply(source, r);
        String user = r.messages().get(r.messages().size() - 2).content().strip();
        if (!user.endsWith("Answer:")) {
            throw new FormatException(source, "line " + r.line() + ": the user message must end with 'Answer:' (the mmlu split's layout)");
        }
        Optional<Character> letter = Answers.letter(r.last().content());
        if (letter.isEmpty()) {
            throw new FormatException(source, "line " + r.line() + ": the assistant reply states no answer letter A-D (expected 'The answer is: X')");
        }
        int cut = user.indexOf("\n\n");
        String header = cut < 0 ? "" : user.substring(0, cut);
        String body = cut < 0 ? user : user.substring(cut + 2);
        return new Question(r.id(), Benchmarks.subjectOf(r, task), r.line(), header, body, letter.get());
    }

    /** Examples with {@code shots} other questions of the same subject in front of each. */
    private static List<EvalExample> withShots(Task task, List<Question> qs, int shots, Path source) {
        Map<String, List<Integer>> bySubject = new LinkedHashMap<>();
        for (int i = 0; i < qs.size(); i++) {
            bySubject.computeIfAbsent(qs.get(i).subject(), k -> new ArrayList<>()).add(i);
        }
        EvalExample[] out = new EvalExample[qs.size()];
        for (List<Integer> members : bySubject.values()) {
            List<Question> same = members.stream().map(qs::get).toList();
            for (int j = 0; j < members.size(); j++) {
                out[members.get(j)] = example(task, same.get(j), firstShots(same, j, shots, source));
            }
        }
        return List.of(out);
    }

    /** The first {@code k} questions of {@code pool}, skipping index {@code skip}; too few is an error. */
    private static List<Question> firstShots(List<Question> pool, int skip, int k, Path source) {
        List<Question> out = new ArrayList<>();
        for (int i = 0; i < pool.size() && out.size() < k; i++) {
            if (i != skip) {
                out.add(pool.get(i));
            }
        }
        if (out.size() < k) {
            throw new IllegalArgumentException("--shots " + k + ": only " + out.size() + " other questions of subject '"
                    + pool.getFirst().subject() + "' in " + source);
        }
        return out;
    }

    static EvalExample example(Task task, Question q, List<Question> shots) {
        StringBuilder user = new StringBuilder();
        if (!q.header().isEmpty()) {
            user.append(q.header()).append("\n\n");
        }
        for (Question s : shots) {
            user.append(s.asShot());
        }
        user.append(q.body());
        String prompt = Benchmarks.userTurn(user.toString()) + task.replyPrefix();
        return new EvalExample(q.id(), q.subject(), q.line(), prompt, task.replyPrefix(), String.valueOf(q.answer()), null, cloze(q, shots));
    }

    /**
     * The cloze form: header, shots as {@code question + "\nAnswer: " + answer text + "\n\n"}, then the
     * question and {@code "\nAnswer:"} — no option list, no chat markers (lm-evaluation-harness's MMLU
     * continuation layout). Null when the question's options cannot be read back from its text.
     */
    static EvalExample.Cloze cloze(Question q, List<Question> shots) {
        Split own = Split.of(q.body());
        if (own == null) {
            return null;
        }
        StringBuilder p = new StringBuilder();
        if (!q.header().isEmpty()) {
            p.append(q.header()).append("\n\n");
        }
        for (Question s : shots) {
            Split shot = Split.of(s.body());
            if (shot == null) {
                return null;
            }
            p.append(shot.stem()).append("\nAnswer: ").append(shot.choices().get(LETTERS.indexOf(s.answer()))).append("\n\n");
        }
        p.append(own.stem()).append("\nAnswer:");
        return new EvalExample.Cloze(p.toString(), own.choices());
    }

    /** A question block {@code stem "\nA. " a "\nB. " b "\nC. " c "\nD. " d "\nAnswer:"} taken apart. */
    record Split(String stem, List<String> choices) {
        static Split of(String body) {
            int end = body.lastIndexOf("\nAnswer:");
            if (end < 0) {
                return null;
            }
            int[] at = new int[5];
            at[4] = end;
            for (int c = 3; c >= 0; c--) {
                at[c] = body.lastIndexOf("\n" + LETTERS.charAt(c) + ". ", at[c + 1] - 1);
                if (at[c] < 0) {
                    return null;
                }
            }
            List<String> choices = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                choices.add(body.substring(at[c] + 4, at[c + 1]).strip());
            }
            return new Split(body.substring(0, at[0]).strip(), choices);
        }
    }

    static String subjectOf(Path csv) {
        String n = csv.getFileName().toString();
        n = n.endsWith(".csv") ? n.substring(0, n.length() - 4) : n;
        for (String suffix : List.of("_test", "_dev", "_val")) {
            if (n.endsWith(suffix)) {
                return n.substring(0, n.length() - suffix.length());
            }
        }
        return n;
    }

    private static List<Path> csvs(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith("_test.csv")).sorted().toList();
        }
    }

    /** The questions of one MMLU CSV file (either layout). */
    static List<Question> readCsv(Path file, String subject) throws IOException {
        List<Csv.Row> rows = Csv.parse(file, Files.readString(file, StandardCharsets.UTF_8));
        if (rows.isEmpty()) {
            throw new FormatException(file, "empty dataset: no rows");
        }
        boolean header = rows.getFirst().fields().stream().map(s -> s.strip().toLowerCase(Locale.ROOT)).toList().equals(HEADER);
        String head = "The following are multiple choice questions (with answers) about " + subject.replace('_', ' ') + ".";
        List<Question> out = new ArrayList<>();
        for (int r = header ? 1 : 0; r < rows.size(); r++) {
            Csv.Row row = rows.get(r);
            List<String> f = row.fields();
            if (f.size() != 6) {
                throw new FormatException(file, "line " + row.line() + ": expected 6 fields (question, 4 choices, answer), found " + f.size());
            }
            char answer = answerLetter(file, row.line(), f.get(5).strip(), header);
            StringBuilder body = new StringBuilder(f.get(0));
            for (int c = 0; c < 4; c++) {
                body.append('\n').append(LETTERS.charAt(c)).append(". ").append(f.get(1 + c));
            }
            body.append("\nAnswer:");
            out.add(new Question(subject + "/" + out.size(), subject, row.line(), head, body.toString(), answer));
        }
        if (out.isEmpty()) {
            throw new FormatException(file, "empty dataset: a header and no rows");
        }
        return out;
    }

    private static char answerLetter(Path file, int line, String a, boolean indexLayout) throws FormatException {
        if (indexLayout) {
            if (a.length() == 1 && a.charAt(0) >= '0' && a.charAt(0) <= '3') {
                return LETTERS.charAt(a.charAt(0) - '0');
            }
            throw new FormatException(file, "line " + line + ": answer must be a 0-based index 0-3 (header layout), found '" + a + "'");
        }
        if (a.length() == 1 && LETTERS.indexOf(a.charAt(0)) >= 0) {
            return a.charAt(0);
        }
        throw new FormatException(file, "line " + line + ": answer must be a letter A-D (no header: hendrycks' layout), found '" + a
                + "'; the shipped layout starts with the header " + String.join(",", HEADER));
    }
}
