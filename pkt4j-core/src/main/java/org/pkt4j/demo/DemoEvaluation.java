package org.pkt4j.demo;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.pkt4j.data.ChatFormat;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.llama.Adapters;
import org.pkt4j.llama.ForwardTrace;
import org.pkt4j.llama.Generator;
import org.pkt4j.llama.KvCache;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Sampler;
import org.pkt4j.tensor.ExecutionContext;

/**
 * A small in-process scorer of the two demo tasks, used to check a pretrained pair before the evaluation
 * harness ({@code org.pkt4j.eval}) runs the demo. It follows that harness's protocol: the prompt is the chat
 * rendering of the user turn (PKT-SPEC §1) primed with the task's reply prefix; <b>arithmetic</b> is greedy
 * generation (up to {@link #MAX_NEW_TOKENS}, stopping at EOS), cut at the next chat turn and after the first
 * complete "answer is N", scored by its last number against the item's "So the answer is N"; <b>knowledge</b>
 * picks the letter among " A" … " D" with the highest next-token log-probability after "The answer is:".
 */
public final class DemoEvaluation {
    private DemoEvaluation() {
    }

    /** The generation budget of an arithmetic reply (the longest reference reply is 59 tokens). */
    public static final int MAX_NEW_TOKENS = 128;

    static final String ARITHMETIC_PREFIX = "Answer:";
    static final String KNOWLEDGE_PREFIX = "The answer is:";

    private static final Pattern NUMBER = Pattern.compile("(?<![\\d.])-?\\d+");
    private static final Pattern COMPLETE_ANSWER = Pattern.compile("answer is:?\\s*-?\\d+(?=[^\\d,.]|[.,][^\\d])");

    /** Correct answers out of {@code total} on one task. */
    public record Score(String task, int correct, int total) {
        public double accuracy() {
            return total == 0 ? 0 : (double) correct / total;
        }
    }

    /** Scores {@code model} on {@code items} of {@code task} ({@link DemoSplits#ARITHMETIC} or {@link DemoSplits#KNOWLEDGE}). */
    public static Score score(String task, Llama model, Tokenizer tok, List<TaskItem> items, ExecutionContext ctx) {
        return switch (task) {
            case DemoSplits.ARITHMETIC -> arithmetic(model, tok, items, ctx);
            case DemoSplits.KNOWLEDGE -> knowledge(model, tok, items, ctx);
            default -> throw new IllegalArgumentException("unknown demo task '" + task + "' (expected one of " + DemoSplits.TASKS + ")");
        };
    }

    public static Score arithmetic(Llama model, Tokenizer tok, List<TaskItem> items, ExecutionContext ctx) {
        Generator gen = new Generator(new LlamaForward(model, ctx));
        int correct = 0;
        for (TaskItem item : items) {
            int[] prompt = tok.encode(prompt(item, ARITHMETIC_PREFIX));
            int[] reply = gen.generate(prompt, MAX_NEW_TOKENS, Sampler.greedy(), true, (Generator.TokenListener) id -> { });
            Long got = lastNumber(answerPart(tok.decodeContinuation(prompt, reply)));
            correct += got != null && got == expectedNumber(item) ? 1 : 0;
        }
        return new Score(DemoSplits.ARITHMETIC, correct, items.size());
    }

    public static Score knowledge(Llama model, Tokenizer tok, List<TaskItem> items, ExecutionContext ctx) {
        LlamaForward fwd = new LlamaForward(model, ctx);
        int[] letters = letterIds(tok);
        int correct = 0;
        for (TaskItem item : items) {
            int[] prompt = tok.encode(prompt(item, KNOWLEDGE_PREFIX));
            float[] logits = fwd.forward(prompt, new KvCache(model.config(), prompt.length), Adapters.NONE, ForwardTrace.NONE, null,
                    new int[] {prompt.length - 1});
            int best = 0;
            for (int k = 1; k < letters.length; k++) {
                if (logits[letters[k]] > logits[letters[best]]) {
                    best = k;
                }
            }
            correct += KnowledgeQuestions.LETTERS.get(best).equals(expectedLetter(item)) ? 1 : 0;
        }
        return new Score(DemoSplits.KNOWLEDGE, correct, items.size());
    }

    /** The user turn rendered as PKT-SPEC §1 prompts it, then the reply prefix. */
    public static String prompt(TaskItem item, String replyPrefix) {
        return ChatFormat.userPrompt(item.messages()) + replyPrefix;
    }

    /** The ids of " A" … " D"; each must be one token (the demo tokenizer guarantees it). */
    static int[] letterIds(Tokenizer tok) {
        int[] ids = new int[KnowledgeQuestions.LETTERS.size()];
        for (int k = 0; k < ids.length; k++) {
            int[] enc = tok.encode(" " + KnowledgeQuestions.LETTERS.get(k));
            if (enc.length != 1) {
                throw new IllegalArgumentException("the tokenizer spells \" " + KnowledgeQuestions.LETTERS.get(k) + "\" with "
                        + enc.length + " tokens; letter scoring needs one");
            }
            ids[k] = enc[0];
        }
        return ids;
    }

    /** The reply up to the next chat turn, and up to the end of the first complete "answer is N". */
    static String answerPart(String reply) {
        int turn = reply.indexOf("<|");
        String r = turn < 0 ? reply : reply.substring(0, turn);
        Matcher m = COMPLETE_ANSWER.matcher(r);
        return m.find() ? r.substring(0, m.end()) : r;
    }

    static Long lastNumber(String text) {
        Matcher m = NUMBER.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group();
        }
        return last == null || last.length() > 18 ? null : Long.parseLong(last);
    }

    static long expectedNumber(TaskItem item) {
        int i = item.answer().lastIndexOf("answer is ");
        Long n = i < 0 ? null : lastNumber(item.answer().substring(i));
        if (n == null) {
            throw new IllegalArgumentException("arithmetic item " + item.id() + " has no \"So the answer is N\"");
        }
        return n;
    }

    static String expectedLetter(TaskItem item) {
        String a = item.answer().strip();
        String letter = a.substring(a.length() - 1);
        if (!a.startsWith(KNOWLEDGE_PREFIX) || !KnowledgeQuestions.LETTERS.contains(letter)) {
            throw new IllegalArgumentException("knowledge item " + item.id() + " does not end \"The answer is: X\"");
        }
        return letter;
    }
}
