/**
 * The demo's own data, made from seeds so that {@code ./pkt demo} needs nothing from outside the repository:
 * an invented world of facts ({@link org.pkt4j.demo.DemoWorld}), the two demo tasks in the layout of the shipped
 * LaTen splits ({@link org.pkt4j.demo.DemoSplits}: GSM8K-style arithmetic, MMLU-style knowledge), the pretraining
 * corpora of the source and target models ({@link org.pkt4j.demo.DemoCorpus} from a
 * {@link org.pkt4j.demo.CorpusRecipe}), and the byte-level BPE tokenizer they share
 * ({@link org.pkt4j.demo.BpeTrainer}, {@link org.pkt4j.demo.DemoTokenizer}). models/demo/DESIGN.md plans the
 * model pair trained on them.
 */
package org.pkt4j.demo;
