package org.pkt4j.eval;

/**
 * One question of a benchmark, ready for the model.
 *
 * @param id          stable id (HumanEval's task_id, MBPP's task_id, "subject/row" for MMLU CSVs, a split's id)
 * @param subject     MMLU subject / split category, else the task name
 * @param line        1-based line of the record in its data file (0 when built in memory)
 * @param prompt      the model's whole input text: the chat rendering of the user turn (PKT-SPEC §1), then
 *                    {@code "<|assistant|>\n"} and the task's reply prefix
 * @param replyPrefix the text the reply is primed with (the end of {@code prompt})
 * @param expected    the expected answer: a number for NUMBER tasks, a letter A-D for CHOICE tasks, null for CODE
 * @param code        the tests of a CODE task, else null
 */
public record EvalExample(String id, String subject, int line, String prompt, String replyPrefix, String expected, CodeCheck code) {
    public EvalExample {
        if (!prompt.endsWith(replyPrefix)) {
            throw new IllegalArgumentException("prompt of " + id + " must end with its reply prefix '" + replyPrefix + "'");
        }
    }
}
