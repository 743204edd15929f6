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
    /** Share of the planned source corpus the tokenizer is trained on (about 3.5 M characters). */
    static final double SAMPLE_SCALE = 0.25;
    /** The context length written to tokenizer_config.json (the demo models' max_position_embeddings). */
    public static final int MAX_LENGTH = 512;

    /** The training text: the source recipe scaled down, over the world and splits of {@code splits}. */
    public static DemoCorpus sample(DemoSplits splits) {
        return DemoCorpus.of(splits, CorpusRecipe.source().scaled(SAMPLE_SCALE));
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
