package org.pkt4j.eval;

import java.util.Map;

/**
 * What happened on one example.
 *
 * @param id              the example's id
 * @param subject         MMLU subject / category, else the task name
 * @param line            line of the record in the data file (0 when built in memory)
 * @param prompt          the model's input text
 * @param output          the generated text (after the reply prefix, cut before a new chat turn); for choice
 *                        tasks null (nothing is generated)
 * @param extracted       the answer read from the output (number, letter), or the extracted code; null when none
 * @param expected        the expected answer (null for code tasks, whose tests decide)
 * @param correct         whether the answer counts as right (code: the tests passed)
 * @param execution       code tasks: the sandbox status (PASSED, FAILED, TIMEOUT, MEMORY, OUTPUT_LIMIT), else null
 * @param error           code tasks: the tail of stderr when the tests did not pass, else null
 * @param letterLogProbs  choice tasks: log P(letter continuation | prompt) for A-D, else null
 * @param promptTokens    tokens of the prompt fed to the model (after any truncation)
 * @param generatedTokens tokens generated (0 for choice tasks)
 * @param stop            why generation ended: "eos", "answer" (the answer pattern was complete), "turn" (the
 *                        model began a new chat turn), "fence" (the code block closed), "length"; null for choice
 * @param promptTruncated whether the prompt's start was cut to fit the model's context
 */
public record ExampleRecord(String id, String subject, int line, String prompt, String output, String extracted,
                            String expected, boolean correct, String execution, String error,
                            Map<String, Double> letterLogProbs, int promptTokens, int generatedTokens, String stop,
                            boolean promptTruncated) {
}
