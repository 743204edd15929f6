package org.pkt4j.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Answer extraction on hand-made replies: numbers in their many spellings, letters in several formats. */
class AnswersTest {

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "So the answer is 12.|12",
        "She makes 9 * 2 = $18 every day. So the answer is 18|18",
        "The total is 1,000 dollars.|1000",
        "It costs $1,000.|1000",
        "It costs $1,234,567.50 in total|1234567.50",
        "The temperature fell to -5 degrees.|-5",
        "The change is \u22123.|-3",
        "10 - 3 = 7 so 7-2 leaves 5|5",
        "Half of 7 is 3.5.|3.5",
        "0.25 of the pie|0.25",
        "First 3 then 4 then finally 42, done|42",
        "Answer: 48/2 = 24 clips in May. 48 + 24 = 72. So the answer is 72.|72",
    })
    void lastNumberOfAReply(String reply, String expected) {
        Optional<BigDecimal> got = Answers.lastNumber(reply);
        assertThat(got).isPresent();
        assertThat(Answers.sameNumber(got.get(), new BigDecimal(expected))).as("%s read as %s", reply, got.get()).isTrue();
    }

    @Test
    void severalLinesKeepTheLastNumber() {
        assertThat(Answers.lastNumber("2 + 2 = 4.\nThen 4 * 10 = 40.\nSo the answer is 40.\n\n")).contains(new BigDecimal("40"));
    }

    @Test
    void noNumberIsEmpty() {
        assertThat(Answers.lastNumber("I do not know the answer.")).isEmpty();
        assertThat(Answers.lastNumber("")).isEmpty();
        assertThat(Answers.lastNumber("costs $ and commas , . only")).isEmpty();
    }

    @Test
    void numbersCompareByValueNotSpelling() {
        assertThat(Answers.sameNumber(new BigDecimal("18"), new BigDecimal("18.00"))).isTrue();
        assertThat(Answers.sameNumber(new BigDecimal("18"), new BigDecimal("18.01"))).isFalse();
        assertThat(Answers.sameNumber(new BigDecimal("-5"), new BigDecimal("5"))).isFalse();
        assertThat(Answers.format(new BigDecimal("1.2E+3"))).isEqualTo("1200");
        assertThat(Answers.format(new BigDecimal("3.500"))).isEqualTo("3.5");
    }

    @Test
    void gsm8kTargetIsTheNumberAfterTheHashes() {
        assertThat(Answers.gsm8kTarget("She makes 9 * 2 = $<<9*2=18>>18.\n#### 18")).contains(new BigDecimal("18"));
        assertThat(Answers.gsm8kTarget("... 3 + 4 = 7\n#### 1,000")).contains(new BigDecimal("1000"));
        assertThat(Answers.gsm8kTarget("#### -3")).contains(new BigDecimal("-3"));
        assertThat(Answers.gsm8kTarget("no final line 12")).isEmpty();
    }

    @Test
    void statedAnswerIsTheNumberAfterTheLastAnswerIs() {
        assertThat(Answers.statedAnswer("Answer: 2 + 3 = 5 apples. So the answer is 5.")).contains(new BigDecimal("5"));
        assertThat(Answers.statedAnswer("the answer is 3 ... so the answer is -12.5 and then 7")).contains(new BigDecimal("-12.5"));
        assertThat(Answers.statedAnswer("Answer: 5 apples.")).isEmpty();
    }

    @Test
    void answerIsCompleteOnlyWhenTheNumberCannotContinue() {
        assertThat(Answers.answerComplete("So the answer is 12.")).isFalse();   // could be 12.5
        assertThat(Answers.answerComplete("So the answer is 12")).isFalse();
        assertThat(Answers.answerComplete("So the answer is 1,")).isFalse();    // could be 1,000
        assertThat(Answers.answerComplete("So the answer is 12.\n")).isTrue();
        assertThat(Answers.answerComplete("So the answer is 12.5 ")).isTrue();
        assertThat(Answers.answerComplete("So the answer is $1,000.<")).isTrue();
        assertThat(Answers.answerComplete("So the answer is: -4\n")).isTrue();
        assertThat(Answers.answerComplete("There are 12 apples.\n")).isFalse();
    }

    @ParameterizedTest(name = "[{index}] ''{0}'' -> {1}")
    @CsvSource(delimiter = '|', value = {
        "B|B",
        "(B)|B",
        "B.|B",
        "b|B",
        "(c)|C",
        " D) |D",
        "The answer is: B|B",
        "The answer is: b|B",
        "the answer is (D) because ...|D",
        "Answer: C|C",
        "C. polydactyly|C",
        "(A) egocentrism.|A",
    })
    void letterOfAReply(String reply, char expected) {
        assertThat(Answers.letter(reply)).contains(expected);
    }

    @Test
    void noLetterIsEmpty() {
        assertThat(Answers.letter("")).isEmpty();
        assertThat(Answers.letter("I am not sure.")).isEmpty();
        assertThat(Answers.letter("A dog is an animal.")).isEmpty();
        assertThat(Answers.letter("The answer is: E")).isEmpty();
    }

    @Test
    void repliesAreCutBeforeANewChatTurn() {
        assertThat(Answers.cutAtNextTurn("So the answer is 4.\n\n<|user|>\nWhat is 5+5?")).isEqualTo("So the answer is 4.\n\n");
        assertThat(Answers.cutAtNextTurn("no turn")).isEqualTo("no turn");
    }
}
