/**
 * Evaluation: the paper's benchmarks (GSM8K, MMLU, HumanEval, MBPP) and the demo tasks (arithmetic,
 * knowledge), from data files to scored per-example records.
 *
 * <ul>
 * <li>{@link org.pkt4j.eval.Benchmarks} reads native benchmark files and the splits' chat JSONL into
 *     {@link org.pkt4j.eval.EvalExample}s whose prompts follow PKT-SPEC §1's chat rendering, primed with the
 *     task's reply prefix ({@link org.pkt4j.eval.Task#replyPrefix()});</li>
 * <li>{@link org.pkt4j.eval.Evaluator} runs a model (plus adapters) on them — greedy generation, or letter
 *     log-probabilities for multiple choice — and scores each reply with {@link org.pkt4j.eval.Answers}
 *     (numbers, letters) or, for code, {@link org.pkt4j.eval.CodeCheck} and the {@link org.pkt4j.eval.Sandbox};</li>
 * <li>{@link org.pkt4j.eval.ResultsJson} writes {@code results.json} (format {@code pkt4j.eval/1}).</li>
 * </ul>
 *
 * In-process use (what {@code pkt eval} and the demo do):
 * <pre>{@code
 * List<EvalExample> ex = Benchmarks.load(Task.ARITHMETIC, Path.of("arithmetic_test.jsonl"), 0).examples();
 * EvalResult r = new Evaluator(model, adapters, tokenizer, ctx)
 *         .evaluate(Task.ARITHMETIC, ex, Evaluator.Options.defaults(), EvalProgress.NONE);
 * double accuracy = r.accuracy();   // r.records(): one ExampleRecord per example
 * }</pre>
 */
package org.pkt4j.eval;
