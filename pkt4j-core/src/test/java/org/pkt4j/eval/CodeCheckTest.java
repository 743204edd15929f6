package org.pkt4j.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Code extraction from replies and program assembly, without running anything. */
class CodeCheckTest {
    private static final String PROMPT = "from typing import List\n\n\ndef add(a: int, b: int) -> int:\n    \"\"\" Sum.\n    >>> add(1, 2)\n    3\n    \"\"\"\n";
    private final CodeCheck he = CodeCheck.humanEval(PROMPT, "add", "def check(candidate):\n    assert candidate(1, 2) == 3\n");

    @Test
    void fencedBlockIsTakenEvenWhenUnclosed() {
        assertThat(he.extractCode(Answers.CODE_REPLY_PREFIX + "def add(a, b):\n    return a + b\n"))
                .isEqualTo("def add(a, b):\n    return a + b\n");
        assertThat(he.extractCode("Sure:\n```python\ndef add(a, b):\n    return a + b\n```\nThat is it."))
                .isEqualTo("def add(a, b):\n    return a + b\n");
        assertThat(he.extractCode("```\nx = 1\n```")).isEqualTo("x = 1\n");
    }

    @Test
    void theBlockDefiningTheEntryPointWinsOverAnEarlierOne() {
        String reply = "Usage:\n```python\nprint(add(1, 2))\n```\nCode:\n```python\ndef add(a, b):\n    return a + b\n```";
        assertThat(he.extractCode(reply)).isEqualTo("def add(a, b):\n    return a + b\n");
    }

    @Test
    void rawRepliesStartAtTheirFirstCodeLine() {
        assertThat(he.extractCode("Here you go.\nimport math\ndef add(a, b):\n    return a + b"))
                .isEqualTo("import math\ndef add(a, b):\n    return a + b");
        assertThat(he.extractCode("    return a + b\n")).isEqualTo("    return a + b\n");
    }

    @Test
    void aNewChatTurnEndsTheReply() {
        assertThat(he.extractCode("    return a + b\n\n<|user|>\nthanks")).isEqualTo("    return a + b\n\n");
    }

    @Test
    void humanEvalProgramTakesABodyOrAWholeFunction() {
        String body = he.program("    return a + b\n");
        assertThat(body).startsWith(PROMPT + "    return a + b\n").endsWith("check(add)\n");
        String whole = he.program("def add(a, b):\n    return a + b\n");
        assertThat(whole).startsWith(PROMPT + "\n\ndef add(a, b):").contains("def check(candidate)").endsWith("check(add)\n");
        // an unindented body is indented into the function
        assertThat(he.program("return a + b")).startsWith(PROMPT + "    return a + b");
    }

    @Test
    void mbppProgramIsCodeThenSetupThenAsserts() {
        CodeCheck mb = CodeCheck.mbpp("f", List.of("assert f(1) == 2", "assert f(2) == 3"), "x = 1");
        assertThat(mb.program("def f(n):\n    return n + 1")).isEqualTo("def f(n):\n    return n + 1\n\nx = 1\n\nassert f(1) == 2\nassert f(2) == 3\n");
    }

    @Test
    void mbppSignatureIsTheFirstDefOrClassLineCutBeforeItsColon() {
        assertThat(Benchmarks.signature("R = 3\r\ndef min_cost(cost, m, n): \r\n\treturn 0")).isEqualTo("def min_cost(cost, m, n)");
        assertThat(Benchmarks.signature("def is_odd(n) : \n  return n % 2")).isEqualTo("def is_odd(n)");
        assertThat(Benchmarks.signature("def remove_empty(tuple1): #L = [(), ('a', 'b')]\n  pass")).isEqualTo("def remove_empty(tuple1)");
        assertThat(Benchmarks.signature("class Pair(object): \n\tpass\ndef f(): pass")).isEqualTo("class Pair(object)");
        assertThat(Benchmarks.signature("x = 1")).isNull();
    }
}
