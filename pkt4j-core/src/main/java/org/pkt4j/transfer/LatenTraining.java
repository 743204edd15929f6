package org.pkt4j.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.pkt4j.data.DataFile;
import org.pkt4j.io.ModelFiles;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.llama.Llama;
import org.pkt4j.tensor.ExecutionContext;

/**
 * {@code pkt laten train} as one library call on paths: opens the two models (memory-mapped), checks that
 * they share a tokenizer, reads and tokenizes the data with the target's tokenizer, records the inputs'
 * SHA-256 checksums in the manifest, and runs {@link LatenTrainer}.
 */
public final class LatenTraining {
    private LatenTraining() {
    }

    /**
     * @param source      the source model S (HF directory or llama2.c .bin)
     * @param target      the target model T
     * @param extractData chat JSONL (or pre-tokenized records with both forms): one step per record
     * @param alignData   chat JSONL or pre-tokenized training records
     * @param run         the run directory
     * @param version     the pkt4j version, for the manifest
     */
    public record Request(Path source, Path target, Path extractData, Path alignData, Path run, LatenOptions options,
                          LatenRun.Mode mode, String version) {
    }

    public static LatenTrainer.Result run(Request r, ExecutionContext ctx, LatenTrainer.Listener listener) throws IOException {
        LatenRun.checkFresh(r.run(), r.mode());
        ModelFiles sf = ModelFiles.locate(r.source(), null), tf = ModelFiles.locate(r.target(), null);
        checkSharedTokenizer(sf, tf);
        Llama source = sf.open(), target = tf.open();
        LatenTrainer.locateOptions(source.config(), target.config(), r.options());
        DataFile extract = DataFile.read(r.extractData()), align = DataFile.read(r.alignData());
        Tokenizer tok = extract.isChat() || align.isChat() ? tf.loadTokenizer() : null;
        if (tok == null && (extract.isChat() || align.isChat())) {
            throw new IllegalArgumentException("chat records need the target's tokenizer, and " + r.target()
                    + " has none (tokenizer.json or tokenizer.bin); give pre-tokenized data instead");
        }
        LatenData data = LatenData.read(extract, align, tok, target.config().vocabSize(), r.options().cutoff(),
                r.options().trainOnInputs(), r.options().labels());
        listener.note(String.format("data: %d extract examples (%d steps), %d align examples; %d sequences truncated at --cutoff %d, "
                        + "%d with nothing scored", data.extract().size(), r.options().steps() == null ? data.extract().size() : r.options().steps(),
                data.align().size(), data.truncated(), r.options().cutoff(), data.unscored()));
        Map<String, Object> inputs = new LinkedHashMap<>();
        inputs.put("--source", modelChecksums(sf));
        inputs.put("--target", modelChecksums(tf));
        inputs.put("--extract-data", sha256(r.extractData()));
        inputs.put("--align-data", sha256(r.alignData()));
        LatenTrainer.Job job = new LatenTrainer.Job(source, target, data, r.options(), inputs, r.version());
        return LatenTrainer.train(job, r.run(), r.mode(), ctx, listener);
    }

    /**
     * Refuses a pair whose tokenizer files differ (both present and not byte-identical): the ids of one would
     * mean other tokens in the other model. Vocabulary sizes are compared when the models are located.
     */
    public static void checkSharedTokenizer(ModelFiles source, ModelFiles target) throws IOException {
        if (source.tokenizer() != null && target.tokenizer() != null && Files.mismatch(source.tokenizer(), target.tokenizer()) != -1) {
            throw new IllegalArgumentException("the source's tokenizer " + source.tokenizer() + " and the target's " + target.tokenizer()
                    + " differ: parametric knowledge transfer needs models that share one tokenizer");
        }
    }

    /** SHA-256 of a model's files: config.json and the weights (safetensors shards and index, or the .bin). */
    public static Map<String, String> modelChecksums(ModelFiles m) throws IOException {
        Map<String, String> out = new TreeMap<>();
        if (m.format() == ModelFiles.Format.LLAMA2C) {
            out.put(m.path().getFileName().toString(), sha256(m.path()));
            return out;
        }
        try (Stream<Path> s = Files.list(m.path())) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                if (Files.isRegularFile(p) && (n.equals("config.json") || n.endsWith(".safetensors") || n.equals("model.safetensors.index.json"))) {
                    out.put(n, sha256(p));
                }
            }
        }
        return out;
    }

    public static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
