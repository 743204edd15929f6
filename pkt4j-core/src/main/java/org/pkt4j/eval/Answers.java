package org.pkt4j.eval;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Answer extraction from model replies: the last number (GSM8K and the arithmetic task), a choice letter
 * (MMLU-style answers in text), and the stop test that ends generation once "the answer is N" is complete.
 */
public final class Answers {
    private Answers() {
    }

    /** The start of every reply in the code splits: generation continues inside an open python fence. */
    public static final String CODE_REPLY_PREFIX = "Here is the completed function:\n\n\n```python\n";

    /**
     * A number: optional minus (ASCII or U+2212), optional "$", a digit then digits and commas, an optional
     * decimal part. Not preceded by a digit or a period, so "5-3" reads as 5 and 3, not 5 and -3.
     */
    private static final Pattern NUMBER = Pattern.compile("(?<![\\d.])([-\u2212]?)\\$?(\\d[\\d,]*(?:\\.\\d+)?)");

    /** "the answer is N" followed by something that cannot continue the number, i.e. N is complete. */
    private static final Pattern COMPLETE_ANSWER = Pattern.compile(
            "(?i)answer is:?\\s*[-\u2212]?\\$?\\d[\\d,]*(?:\\.\\d+)?(?:[^\\d,.]|[.,][^\\d])");

    /** "answer is: B", "Answer: (c)", "answer B". */
    private static final Pattern ANSWER_LETTER = Pattern.compile("(?i)\\banswer(?:\\s+is)?\\s*[:\uFF1A]?\\s*\\(?([A-D])\\b");
    /** A reply that is only a letter: "B", "(B)", "B.", "b)", "B:". */
    private static final Pattern BARE_LETTER = Pattern.compile("(?i)^\\s*\\(?([A-D])\\s*[).:]?\\s*$");
    /** A reply that starts with an option label: "B. polydactyly", "(B) polydactyly", "B) ...". */
    private static final Pattern LEADING_LABEL = Pattern.compile("(?i)^\\s*(?:\\(([A-D])\\)|([A-D])[.):])\\s");

    /** The last number in {@code text} (commas and "$" dropped), or empty when there is none. */
    public static Optional<BigDecimal> lastNumber(String text) {
        Matcher m = NUMBER.matcher(text);
        String last = null;
        boolean negative = false;
        while (m.find()) {
            last = m.group(2);
            negative = !m.group(1).isEmpty();
        }
        if (last == null) {
            return Optional.empty();
        }
        BigDecimal v = new BigDecimal(last.replace(",", ""));
        return Optional.of(negative ? v.negate() : v);
    }

    /** Numeric equality ignoring scale: 18 = 18.0 = 18.00. */
    public static boolean sameNumber(BigDecimal a, BigDecimal b) {
        return a.compareTo(b) == 0;
    }

    /** A number as text without exponent or trailing zeros ("18", "-3.5"). */
    public static String format(BigDecimal v) {
        BigDecimal s = v.stripTrailingZeros();
        return (s.scale() < 0 ? s.setScale(0) : s).toPlainString();
    }

    /**
     * The expected number of a GSM8K answer: the number after the last {@code ####}, or empty when the
     * text has no {@code ####} line or no number after it.
     */
    public static Optional<BigDecimal> gsm8kTarget(String answer) {
        int i = answer.lastIndexOf("####");
        return i < 0 ? Optional.empty() : firstNumber(answer.substring(i + 4));
    }

    /**
     * The expected number of a split-format reply: the first number after the last "answer is", or empty.
     */
    public static Optional<BigDecimal> statedAnswer(String reply) {
        int i = reply.toLowerCase(Locale.ROOT).lastIndexOf("answer is");
        return i < 0 ? Optional.empty() : firstNumber(reply.substring(i + "answer is".length()));
    }

    private static Optional<BigDecimal> firstNumber(String text) {
        Matcher m = NUMBER.matcher(text);
        if (!m.find()) {
            return Optional.empty();
        }
        BigDecimal v = new BigDecimal(m.group(2).replace(",", ""));
        return Optional.of(m.group(1).isEmpty() ? v : v.negate());
    }

    /** Whether the reply already states "the answer is N" with N complete (generation can stop). */
    public static boolean answerComplete(String reply) {
        return COMPLETE_ANSWER.matcher(reply).find();
    }

    /**
     * The choice letter a reply states, upper-cased: "The answer is: B", "Answer: (b)", a bare "B", "(B)",
     * "B.", or a leading option label "B. text". Empty when none is stated (a lone English article "A dog"
     * is not read as a letter).
     */
    public static Optional<Character> letter(String reply) {
        Matcher m = ANSWER_LETTER.matcher(reply);
        if (m.find()) {
            return Optional.of(Character.toUpperCase(m.group(1).charAt(0)));
        }
        m = BARE_LETTER.matcher(reply);
        if (m.find()) {
            return Optional.of(Character.toUpperCase(m.group(1).charAt(0)));
        }
        m = LEADING_LABEL.matcher(reply);
        if (m.find()) {
            String g = m.group(1) != null ? m.group(1) : m.group(2);
            return Optional.of(Character.toUpperCase(g.charAt(0)));
        }
        return Optional.empty();
    }

    /** The reply cut before the model starts a new chat turn ("<|user|>", "<|assistant|>", "<|system|>"). */
    public static String cutAtNextTurn(String reply) {
        int cut = nextTurn(reply);
        return cut < 0 ? reply : reply.substring(0, cut);
    }

    /** Index of the first chat role tag in {@code text}, or -1. */
    static int nextTurn(String text) {
        int best = -1;
        for (String tag : new String[] {"<|user|>", "<|assistant|>", "<|system|>"}) {
            int i = text.indexOf(tag);
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
            }
        }
        return best;
    }
}
