package org.pkt4j.eval;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.pkt4j.data.ChatFormat;
import org.pkt4j.data.ChatJsonl;
import org.pkt4j.data.ChatRecord;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;

/**
 * Reads benchmark data in its native layouts and in the chat layout of the shipped splits, and turns each
 * record into an {@link EvalExample} whose prompt follows the split's chat format:
 * <ul>
 * <li>gsm8k / arithmetic: GSM8K {@code {question, answer}} (the expected number follows {@code ####}) or
 *     chat records whose reply ends "So the answer is N"; the user turn is
 *     {@code "Answer the following question.\n\nQuestion: " + question};</li>
 * <li>mmlu / knowledge: see {@link MultipleChoice} (CSV files or directories, or chat records);</li>
 * <li>humaneval: HumanEval.jsonl {@code {task_id, prompt, entry_point, test}}; the user turn is
 *     {@code "Complete the following python function.\n\n\n" + prompt} (the MBPP split's instruction);</li>
 * <li>mbpp: mbpp.jsonl {@code {task_id, text, code, test_list, test_setup_code}} or sanitized-mbpp.json
 *     {@code [{task_id, prompt, code, test_list, test_imports}]}; the user turn is the split's
 *     {@code "Complete the following python function.\n\n\n" + text + "\n" + signature}, the signature being
 *     the reference code's first {@code def}/{@code class} line cut before its colon, as in the split. When
 *     the file holds MBPP's test range (task_id 11-510), only that range is evaluated.</li>
 * </ul>
 * JSONL is split on {@code \n} only. A record of the wrong shape is a {@link FormatException} naming the
 * file and the first offending line.
 */
public final class Benchmarks {
    private Benchmarks() {
    }

    /** Examples read from a data file, with notes on what was selected (they go into results.json). */
    public record Data(Task task, Path source, List<EvalExample> examples, List<String> notes) {
        public Data {
            examples = List.copyOf(examples);
            notes = List.copyOf(notes);
        }
    }

    static final String NUMBER_USER = "Answer the following question.\n\nQuestion: ";
    static final String CODE_USER = "Complete the following python function.\n\n\n";
    private static final int MBPP_TEST_FIRST = 11;
    private static final int MBPP_TEST_LAST = 510;

    /**
     * Reads {@code data} for {@code task}.
     *
     * @param shots in-context examples per question (mmlu and knowledge only; 0 for none)
     */
    public static Data load(Task task, Path data, int shots) throws IOException {
        if (shots < 0) {
            throw new IllegalArgumentException("--shots: expected >= 0, got " + shots);
        }
        if (shots > 0 && task.kind() != Task.Kind.CHOICE) {
            throw new IllegalArgumentException("--shots applies to the multiple-choice tasks (mmlu, knowledge), not " + task.cliName());
        }
        if (!Files.exists(data)) {
            throw new NoSuchFileException(data.toString(), null, "data file not found");
        }
        return switch (task) {
            case GSM8K, ARITHMETIC -> numberTask(task, data);
            case MMLU, KNOWLEDGE -> MultipleChoice.load(task, data, shots);
            case HUMANEVAL -> humanEval(data);
            case MBPP -> mbpp(data);
        };
    }

    /**
     * Examples from chat records already in memory (the demo's generated splits): number tasks read the
     * expected number from the reply's "the answer is N", choice tasks the letter from "The answer is: X".
     *
     * @param source the file the records came from, for error messages (may be a description)
     */
    public static List<EvalExample> fromChat(Task task, List<ChatRecord> records, Path source, int shots) throws FormatException {
        return switch (task.kind()) {
            case NUMBER -> {
                if (shots != 0) {
                    throw new IllegalArgumentException("--shots applies to the multiple-choice tasks (mmlu, knowledge), not " + task.cliName());
                }
                List<EvalExample> out = new ArrayList<>();
                for (ChatRecord r : records) {
                    out.add(numberExample(task, r, source));
                }
                yield out;
            }
            case CHOICE -> MultipleChoice.fromChat(task, records, source, shots);
            case CODE -> throw noTests(task, source, records.getFirst().line());
        };
    }

    /**
     * A seeded subset of {@code limit} examples in their original order (all of them when {@code limit} is 0
     * or not smaller than the count), so that a limited run still spans every MMLU subject.
     */
    public static List<EvalExample> sample(List<EvalExample> all, int limit, long seed) {
        if (limit < 0) {
            throw new IllegalArgumentException("--limit: expected >= 0, got " + limit);
        }
        if (limit == 0 || limit >= all.size()) {
            return all;
        }
        int[] idx = new int[all.size()];
        Arrays.setAll(idx, i -> i);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < limit; i++) {
            int j = i + rng.nextInt(idx.length - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int[] chosen = Arrays.copyOf(idx, limit);
        Arrays.sort(chosen);
        return Arrays.stream(chosen).mapToObj(all::get).toList();
    }

    /**
     * SHA-256 of a data file, or of a directory: the hash of "relative path\n" + file hash + "\n" over its
     * regular files in name order.
     */
    public static String sha256(Path data) throws IOException {
        if (Files.isRegularFile(data)) {
            return fileSha256(data);
        }
        MessageDigest md = digest();
        try (Stream<Path> s = Files.walk(data)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                md.update((data.relativize(f) + "\n" + fileSha256(f) + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String fileSha256(Path f) throws IOException {
        MessageDigest md = digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(f), md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    private static Data numberTask(Task task, Path file) throws IOException {
        List<EvalExample> out = new ArrayList<>();
        Boolean[] chat = {null};
        String shape = "a GSM8K record {question, answer} (or a chat record with 'messages')";
        eachLine(file, (line, text) -> {
            JsonNode n = object(file, line, text);
            if (chat[0] == null) {
                chat[0] = n.has("messages");
            }
            if (chat[0]) {
                out.add(numberExample(task, chatRecord(file, line, text, n), file));
                return;
            }
            JsonLine l = new JsonLine(line, n);
            String question = text(file, l, "question", shape);
            String answer = text(file, l, "answer", shape);
            Optional<BigDecimal> target = Answers.gsm8kTarget(answer);
            if (target.isEmpty()) {
                throw new FormatException(file, "line " + line + ": 'answer' has no final '#### <number>' line");
            }
            String prompt = userTurn(NUMBER_USER + question) + task.replyPrefix();
            out.add(new EvalExample(task.cliName() + "/" + out.size(), task.cliName(), line, prompt, task.replyPrefix(),
                    Answers.format(target.get()), null));
        });
        return new Data(task, file, out, List.of(chat[0] ? "chat records; expected number from 'the answer is N'"
                : "native GSM8K records; expected number after '####'"));
    }

    private static EvalExample numberExample(Task task, ChatRecord r, Path source) throws FormatException {
        checkReply(source, r);
        Optional<BigDecimal> n = Answers.statedAnswer(r.last().content());
        if (n.isEmpty()) {
            throw new FormatException(source, "line " + r.line() + ": the assistant reply states no final number "
                    + "(expected '... So the answer is N.')");
        }
        String prompt = ChatFormat.userPrompt(r.messages()) + task.replyPrefix();
        return new EvalExample(r.id(), subjectOf(r, task), r.line(), prompt, task.replyPrefix(), Answers.format(n.get()), null);
    }

    private static Data humanEval(Path file) throws IOException {
        String shape = "a HumanEval record {task_id, prompt, entry_point, test}";
        List<EvalExample> out = new ArrayList<>();
        eachLine(file, (line, text) -> {
            JsonLine l = new JsonLine(line, object(file, line, text));
            if (l.node().has("messages")) {
                throw noTests(Task.HUMANEVAL, file, line);
            }
            String id = text(file, l, "task_id", shape);
            String prompt = text(file, l, "prompt", shape);
            String entry = text(file, l, "entry_point", shape);
            String test = text(file, l, "test", shape);
            String full = userTurn(CODE_USER + prompt) + Answers.CODE_REPLY_PREFIX;
            out.add(new EvalExample(id, "humaneval", line, full, Answers.CODE_REPLY_PREFIX, null, CodeCheck.humanEval(prompt, entry, test)));
        });
        return new Data(Task.HUMANEVAL, file, out, List.of());
    }

    private static Data mbpp(Path file) throws IOException {
        boolean array = file.getFileName().toString().endsWith(".json");
        String shape = array ? "a sanitized MBPP record {task_id, prompt, code, test_list, test_imports}"
                : "an MBPP record {task_id, text, code, test_list, test_setup_code}";
        List<EvalExample> all = new ArrayList<>();
        List<Integer> taskIds = new ArrayList<>();
        RecordVisitor visit = l -> {
            JsonNode n = l.node();
            if (n.has("messages")) {
                throw noTests(Task.MBPP, file, l.line());
            }
            if (!n.path("task_id").isIntegralNumber()) {
                throw new FormatException(file, "line " + l.line() + ": expected " + shape + " with an integer 'task_id'; found keys " + keys(n));
            }
            int taskId = n.get("task_id").asInt();
            String text = text(file, l, array ? "prompt" : "text", shape);
            String code = text(file, l, "code", shape);
            List<String> asserts = strings(file, l, "test_list", shape);
            String setup = array ? String.join("\n", n.path("test_imports").isEmpty() ? List.of() : strings(file, l, "test_imports", shape))
                    : (n.has("test_setup_code") ? text(file, l, "test_setup_code", shape) : "");
            String signature = signature(code);
            if (signature == null) {
                throw new FormatException(file, "line " + l.line() + ": 'code' defines no function (no line starting with 'def ' or 'class ')");
            }
            String entry = signature.startsWith("def ") ? signature.substring(4).split("\\(", 2)[0].strip() : null;
            String prompt = userTurn(CODE_USER + text + "\n" + signature) + Answers.CODE_REPLY_PREFIX;
            all.add(new EvalExample("mbpp/" + taskId, "mbpp", l.line(), prompt, Answers.CODE_REPLY_PREFIX, null,
                    CodeCheck.mbpp(entry, asserts, setup)));
            taskIds.add(taskId);
        };
        if (array) {
            eachArrayElement(file, visit);
        } else {
            eachLine(file, (line, text) -> visit.visit(new JsonLine(line, object(file, line, text))));
        }
        List<EvalExample> test = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (taskIds.get(i) >= MBPP_TEST_FIRST && taskIds.get(i) <= MBPP_TEST_LAST) {
                test.add(all.get(i));
            }
        }
        if (test.isEmpty() || test.size() == all.size()) {
            return new Data(Task.MBPP, file, all, List.of());
        }
        return new Data(Task.MBPP, file, test, List.of("MBPP test split: the " + test.size() + " of " + all.size()
                + " records with task_id " + MBPP_TEST_FIRST + "-" + MBPP_TEST_LAST));
    }

    private static FormatException noTests(Task task, Path file, int line) {
        return new FormatException(file, "line " + line + ": chat records carry no tests; --task " + task.cliName() + " reads "
                + (task == Task.HUMANEVAL ? "HumanEval.jsonl {task_id, prompt, entry_point, test}"
                : "mbpp.jsonl {task_id, text, code, test_list} or sanitized-mbpp.json"));
    }

    /** The split's MBPP signature: the first "def "/"class " line, cut before the colon that ends it. */
    static String signature(String code) {
        for (String raw : code.split("\n")) {
            String line = raw.strip();
            if (!raw.startsWith("def ") && !raw.startsWith("class ")) {
                continue;
            }
            // the colon after the parenthesis that closes the parameter list (a type hint or comment may hold others)
            int from = 0;
            int open = line.indexOf('(');
            if (open >= 0) {
                int depth = 0;
                for (int i = open; i < line.length(); i++) {
                    char c = line.charAt(i);
                    depth += c == '(' ? 1 : c == ')' ? -1 : 0;
                    if (depth == 0) {
                        from = i;
                        break;
                    }
                }
            }
            int colon = line.indexOf(':', from);
            return (colon < 0 ? line : line.substring(0, colon)).strip();
        }
        return null;
    }

    /** The chat rendering of one user turn followed by the assistant tag (PKT-SPEC §1). */
    static String userTurn(String content) {
        return ChatFormat.renderMessage(new ChatRecord.Message("user", content)) + "<|assistant|>\n";
    }

    static void checkReply(Path source, ChatRecord r) throws FormatException {
        if (r.messages().size() < 2 || !r.last().role().equals("assistant")) {
            throw new FormatException(source, "line " + r.line() + ": expected a user turn followed by the assistant's reference reply");
        }
    }

    static String subjectOf(ChatRecord r, Task task) {
        String c = r.metaString("category");
        return c != null ? c : task.cliName();
    }

    /** One JSON object and the 1-based line it starts on. */
    record JsonLine(int line, JsonNode node) {
    }

    /** Receives the non-blank lines of a JSONL file, in order. */
    @FunctionalInterface
    interface LineVisitor {
        void visit(int line, String text) throws IOException;
    }

    /** Receives the records of a JSON array file, in order. */
    @FunctionalInterface
    interface RecordVisitor {
        void visit(JsonLine record) throws IOException;
    }

    /**
     * Hands each non-blank line (split on \n only, a trailing \r dropped) to {@code visitor} in order, so that
     * whatever check fails first names the first offending line.
     */
    static void eachLine(Path file, LineVisitor visitor) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "expected a JSONL file");
        }
        String[] lines = Files.readString(file, StandardCharsets.UTF_8).split("\n", -1);
        int records = 0;
        for (int i = 0; i < lines.length; i++) {
            String s = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (!s.isBlank()) {
                records++;
                visitor.visit(i + 1, s);
            }
        }
        if (records == 0) {
            throw new FormatException(file, "empty dataset: no records");
        }
    }

    /** One line parsed as a JSON object. */
    static JsonNode object(Path file, int line, String text) throws FormatException {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new FormatException(file, "line " + line + ": malformed JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new FormatException(file, "line " + line + ": expected a JSON object");
        }
        return n;
    }

    /** A chat record from a line of a chat file; a non-chat record there is an error naming the line. */
    static ChatRecord chatRecord(Path file, int line, String text, JsonNode n) throws FormatException {
        if (!n.has("messages")) {
            throw new FormatException(file, "line " + line + ": a record without 'messages' in a file of chat records; found keys " + keys(n));
        }
        return ChatJsonl.parse(file, line, text);
    }

    /** Hands the objects of a JSON array file to {@code visitor} in order, each with the line it starts on. */
    static void eachArrayElement(Path file, RecordVisitor visitor) throws IOException {
        int records = 0;
        try (JsonParser p = Json.MAPPER.getFactory().createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new FormatException(file, "line " + p.currentLocation().getLineNr() + ": expected a JSON array of records");
            }
            while (p.nextToken() != JsonToken.END_ARRAY) {
                int line = p.currentLocation().getLineNr();
                JsonNode n = Json.MAPPER.readTree(p);
                if (n == null || !n.isObject()) {
                    throw new FormatException(file, "line " + line + ": expected a JSON object");
                }
                records++;
                visitor.visit(new JsonLine(line, n));
            }
        } catch (JsonProcessingException e) {
            throw new FormatException(file, "line " + (e.getLocation() == null ? "?" : e.getLocation().getLineNr())
                    + ": malformed JSON: " + e.getOriginalMessage());
        }
        if (records == 0) {
            throw new FormatException(file, "empty dataset: no records");
        }
    }

    static String text(Path file, JsonLine l, String key, String shape) throws FormatException {
        JsonNode v = l.node().get(key);
        if (v == null || !v.isTextual()) {
            throw new FormatException(file, "line " + l.line() + ": expected " + shape + " with a string '" + key + "'; found keys " + keys(l.node()));
        }
        return v.asText();
    }

    private static List<String> strings(Path file, JsonLine l, String key, String shape) throws FormatException {
        JsonNode v = l.node().get(key);
        if (v == null || !v.isArray() || v.isEmpty()) {
            throw new FormatException(file, "line " + l.line() + ": expected " + shape + " with a non-empty list of strings '" + key + "'");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode s : v) {
            if (!s.isTextual()) {
                throw new FormatException(file, "line " + l.line() + ": '" + key + "' must hold strings, found " + s);
            }
            out.add(s.asText());
        }
        return out;
    }

    static List<String> keys(JsonNode n) {
        List<String> k = new ArrayList<>();
        n.fieldNames().forEachRemaining(k::add);
        return k;
    }
}
