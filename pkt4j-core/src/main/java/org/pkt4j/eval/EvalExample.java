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
 * @param cloze       for CHOICE tasks, the question in the cloze formulation, else null
 */
public record EvalExample(String id, String subject, int line, String prompt, String replyPrefix, String expected, CodeCheck code,
                          Cloze cloze) {
    public EvalExample {
        if (!prompt.endsWith(replyPrefix)) {
            throw new IllegalArgumentException("prompt of " + id + " must end with its reply prefix '" + replyPrefix + "'");
        }
    }

    public EvalExample(String id, String subject, int line, String prompt, String replyPrefix, String expected, CodeCheck code) {
        this(id, subject, line, prompt, replyPrefix, expected, code, null);
    }

    /**
     * A multiple-choice question as a cloze test (the formulation used for models too small to read an option
     * list): the prompt without the options and without chat markers, and the four option texts, each scored
     * as the continuation of the prompt.
     *
     * @param prompt  the subject header, then the question text and {@code "\nAnswer:"}
     * @param choices the texts of options A-D
     */
    public record Cloze(String prompt, java.util.List<String> choices) {
        public Cloze {
            choices = java.util.List.copyOf(choices);
            if (choices.size() != 4) {
                throw new IllegalArgumentException("a cloze question needs 4 choices, got " + choices.size());
            }
        }
    }
}
