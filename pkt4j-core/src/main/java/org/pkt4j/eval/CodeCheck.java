package org.pkt4j.eval;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tests of one code problem and how a model's reply becomes the program that runs them.
 *
 * <p>HumanEval: the program is the problem's prompt (imports, helpers and the function's signature and
 * docstring) followed by the completion, then the benchmark's {@code test} and {@code check(entry_point)}.
 * A completion that defines the entry point itself is appended after the prompt at top level (the prompt's
 * docstring-only function is valid Python and is simply redefined); a completion that is only the body is
 * appended as the function's body, indented by four spaces when it is not indented.
 *
 * <p>MBPP: the program is the completion, then {@code test_setup_code}, then the {@code test_list} asserts.
 *
 * @param functionPrompt HumanEval's {@code prompt}, or null for MBPP
 * @param entryPoint     the function the tests call (HumanEval's {@code entry_point}; for MBPP the first
 *                       function defined by the reference code, used only to pick among fenced blocks)
 * @param tests          HumanEval's {@code test} code, or MBPP's asserts joined by newlines
 * @param setup          MBPP's {@code test_setup_code} (may be empty); empty for HumanEval
 */
public record CodeCheck(String functionPrompt, String entryPoint, String tests, String setup) {

    /** A fenced block: opening ``` with an optional language tag, content, closing ``` or the end of text. */
    private static final Pattern FENCE = Pattern.compile("```[\\w+.-]*[ \\t]*\\r?\\n(.*?)(?:```|\\z)", Pattern.DOTALL);
    /** The first line of raw code in a reply without fences. */
    private static final Pattern CODE_START = Pattern.compile("(?m)^(?:def |class |import |from |@)");

    public static CodeCheck humanEval(String prompt, String entryPoint, String test) {
        return new CodeCheck(prompt, entryPoint, test, "");
    }

    public static CodeCheck mbpp(String entryPoint, List<String> asserts, String setup) {
        return new CodeCheck(null, entryPoint, String.join("\n", asserts), setup == null ? "" : setup);
    }

    public boolean isHumanEval() {
        return functionPrompt != null;
    }

    /**
     * The code in a reply: the first fenced block that defines the entry point, else the first fenced block
     * (an unclosed fence runs to the end of the reply), else the reply from its first line of code
     * ({@code def}, {@code class}, {@code import}, {@code from}, a decorator), else the whole reply (a bare
     * function body).
     */
    public String extractCode(String reply) {
        String text = Answers.cutAtNextTurn(reply);
        Matcher m = FENCE.matcher(text);
        String first = null;
        while (m.find()) {
            String block = m.group(1);
            if (first == null) {
                first = block;
            }
            if (entryPoint != null && definesFunction(block, entryPoint)) {
                return block;
            }
        }
        if (first != null) {
            return first;
        }
        Matcher c = CODE_START.matcher(text);
        return c.find() ? text.substring(c.start()) : text;
    }

    /** The program that runs {@code code} (as extracted from a reply) against this problem's tests. */
    public String program(String code) {
        StringBuilder p = new StringBuilder();
        if (isHumanEval()) {
            p.append(functionPrompt);
            if (definesFunction(code, entryPoint)) {
                p.append("\n\n").append(code);
            } else {
                p.append(asBody(code));
            }
            p.append("\n\n").append(tests).append("\n\ncheck(").append(entryPoint).append(")\n");
        } else {
            p.append(code).append("\n\n");
            if (!setup.isBlank()) {
                p.append(setup).append("\n\n");
            }
            p.append(tests).append("\n");
        }
        return p.toString();
    }

    /** Whether {@code code} defines {@code name} at top level ({@code def name(} at the start of a line). */
    static boolean definesFunction(String code, String name) {
        return Pattern.compile("(?m)^(?:async\\s+)?def\\s+" + Pattern.quote(name) + "\\s*\\(").matcher(code).find();
    }

    /**
     * A completion used as the function's body: kept as is when its first code line is indented (the usual
     * HumanEval completion), else every line indented by four spaces. Leading blank lines are dropped.
     */
    static String asBody(String code) {
        String c = code.replaceFirst("^(?:[ \\t]*\\r?\\n)+", "");
        if (c.isEmpty() || c.startsWith(" ") || c.startsWith("\t")) {
            return c;
        }
        return c.lines().map(l -> l.isBlank() ? l : "    " + l).reduce((a, b) -> a + "\n" + b).orElse("");
    }
}
