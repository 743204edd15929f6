package org.pkt4j.demo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The demo models' shared tokenizer: a 1024-token byte-level BPE trained on a fixed sample of the source
 * corpus, which holds every kind of demo text (stories, fact statements, drills, both tasks in the chat
 * rendering). Rebuilt byte for byte by {@code pkt demo-data tokenizer}.
 */
public final class DemoTokenizer {
    private DemoTokenizer() {
    }

    /** Vocabulary size: 5 special tokens + 256 bytes + 763 merged tokens. */
    public static final int VOCAB_SIZE = 1024;
    /** Pairs seen fewer times are never merged. */
    static final int MIN_FREQUENCY = 2;
    /**
     * The tokenizer's training text: a quarter of the source recipe planned in phase 1 (about 3.5 M characters of
     * every kind of demo text). Fixed here, apart from the recipes the models are trained on, so that tuning a
     * training recipe never changes the committed tokenizer.
     */
    static final CorpusRecipe SAMPLE = new CorpusRecipe(1, 1.0, 25, 5_000, 2_000, 1_000, 2_500, 1_000, 0);
    /** The context length written to tokenizer_config.json (the demo models' max_position_embeddings). */
    public static final int MAX_LENGTH = 512;

    /** The training text over the world and splits of {@code splits}. */
    public static DemoCorpus sample(DemoSplits splits) {
        return DemoCorpus.of(splits, SAMPLE);
    }

    public static BpeTrainer.Model train(DemoSplits splits) {
        DemoCorpus sample = sample(splits);
        List<String> texts = sample.documents().toList();
        return BpeTrainer.train(texts, VOCAB_SIZE, TokenizerFiles.specialTokens(), MIN_FREQUENCY);
    }

    /** Trains and writes tokenizer.json, tokenizer_config.json and special_tokens_map.json into {@code dir}. */
    public static BpeTrainer.Model write(DemoSplits splits, Path dir) throws IOException {
        BpeTrainer.Model m = train(splits);
        TokenizerFiles.write(m, MAX_LENGTH, dir);
        return m;
    }
}
