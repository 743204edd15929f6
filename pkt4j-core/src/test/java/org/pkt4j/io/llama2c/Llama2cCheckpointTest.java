package org.pkt4j.io.llama2c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pkt4j.testing.BrokenFiles.assertOneLine;
import static org.pkt4j.testing.Close.assertClose;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;
import org.pkt4j.io.hf.Checkpoint;
import org.pkt4j.io.safetensors.SafetensorsFile;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Rope;
import org.pkt4j.tensor.DType;
import org.pkt4j.tensor.ExecutionContext;
import org.pkt4j.tensor.Tensor;
import org.pkt4j.testing.Fixtures;

/**
 * llama2.c import against the Hugging Face conversion of the same checkpoint (the stories260K fixture):
 * bit-exact tensors, the same config.json, the fixture's logits; the version-1 header, a legacy file without
 * RoPE tables and an unshared classifier give the same tensors; the q/k permutation commutes with RoPE.
 */
class Llama2cCheckpointTest {

    static Path stories260K() {
        return Fixtures.data().resolve("models/stories260K/stories260K.bin");
    }

    @Test
    void importIsBitExactWithTheHfConversion() throws IOException {
        Llama2cCheckpoint ck = Llama2cCheckpoint.open(stories260K());
        assertEquals(0, ck.version());
        Checkpoint hf = Checkpoint.open(Fixtures.fixture("stories260K").resolve("model"));
        assertEquals(new java.util.TreeSet<>(hf.tensors().keySet()), new java.util.TreeSet<>(ck.names()));
        for (String name : ck.names()) {
            assertBitEqual(hf.get(name), ck.tensor(name));
        }
    }

    @Test
    void configJsonEqualsTheFixtures() throws IOException {
        Llama2cCheckpoint ck = Llama2cCheckpoint.open(stories260K());
        Path cfg = Fixtures.fixture("stories260K").resolve("model/config.json");
        assertEquals(Json.read(cfg), ck.configJson());
    }

    @Test
    void importedModelReproducesTheFixtureLogits() throws IOException {
        SafetensorsFile exp = Fixtures.expected("stories260K");
        Llama m = Llama2cCheckpoint.open(stories260K()).load();
        int[] ids = Fixtures.tensor(exp, "input_ids").toIntArray();
        float[] logits = new LlamaForward(m, ExecutionContext.singleThreaded()).logits(ids);
        float[] expected = Fixtures.tensor(exp, "logits").toFloatArray();
        assertClose("stories260K.bin logits", logits, expected, 2e-5, 2e-5);
    }

    @Test
    void versionOneHeaderGivesTheSameTensors(@TempDir Path tmp) throws IOException {
        byte[] legacy = Files.readAllBytes(stories260K());
        Map<String, byte[]> s = legacySections(legacy);
        ByteArrayOutputStream v1 = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(Llama2cCheckpoint.MAGIC).putInt(1);
        h.put(Arrays.copyOfRange(legacy, 0, 28));
        h.put((byte) 1);
        v1.write(h.array());
        for (String k : List.of("rms_att", "rms_ffn", "rms_final", "emb", "wq", "wk", "wv", "wo", "w1", "w2", "w3")) {
            v1.write(s.get(k));
        }
        Path file = tmp.resolve("v1.bin");
        Files.write(file, v1.toByteArray());
        assertSameTensors(Llama2cCheckpoint.open(stories260K()), Llama2cCheckpoint.open(file));
        assertEquals(1, Llama2cCheckpoint.open(file).version());
    }

    @Test
    void legacyFileWithoutRopeTablesAndWithUnsharedClassifier(@TempDir Path tmp) throws IOException {
        byte[] legacy = Files.readAllBytes(stories260K());
        Map<String, byte[]> s = legacySections(legacy);
        ByteArrayOutputStream noTables = new ByteArrayOutputStream();
        for (String k : List.of("header", "emb", "rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2", "w3", "rms_final")) {
            noTables.write(s.get(k));
        }
        Path a = tmp.resolve("no-tables.bin");
        Files.write(a, noTables.toByteArray());
        assertSameTensors(Llama2cCheckpoint.open(stories260K()), Llama2cCheckpoint.open(a));

        // the same weights with vocab_size negated and a classifier of its own appended after the tables
        byte[] unshared = Arrays.copyOf(legacy, legacy.length + s.get("emb").length);
        ByteBuffer.wrap(unshared).order(ByteOrder.LITTLE_ENDIAN).putInt(20, -512);
        float[] wcls = new float[512 * 64];
        SplittableRandom rng = new SplittableRandom(7);
        ByteBuffer tail = ByteBuffer.wrap(unshared, legacy.length, s.get("emb").length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < wcls.length; i++) {
            wcls[i] = (float) rng.nextGaussian();
            tail.putFloat(wcls[i]);
        }
        Path b = tmp.resolve("unshared.bin");
        Files.write(b, unshared);
        Llama2cCheckpoint ck = Llama2cCheckpoint.open(b);
        assertFalse(ck.config().tieWordEmbeddings());
        assertFalse(ck.configJson().get("tie_word_embeddings").asBoolean());
        assertArrayEquals(wcls, ck.tensor("lm_head.weight").toFloatArray());
        Llama m = ck.load();
        assertArrayEquals(wcls, m.lmHead().toFloatArray());
        assertBitEqual(Llama2cCheckpoint.open(stories260K()).tensor("model.embed_tokens.weight"), m.embed());
    }

    /** run.c's RoPE on the Meta rows, then the permutation, equals the permutation then pkt4j's RoPE. */
    @Test
    void permutationCommutesWithRope() {
        int heads = 3, hd = 10, d = 7;
        SplittableRandom rng = new SplittableRandom(11);
        float[] w = new float[heads * hd * d];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rng.nextGaussian();
        }
        float[] x = new float[d];
        for (int i = 0; i < d; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        Tensor meta = Tensor.ofFloats("wq", w, heads * hd, d);
        Tensor hf = Llama2cCheckpoint.interleavedToHalves(meta, heads);
        Rope rope = new Rope(hd, LlamaConfig.RopeConfig.plain(10000));
        for (int pos : new int[] {0, 1, 17, 211}) {
            float[] qMeta = matVec(meta, x);
            runCRope(qMeta, hd, pos);
            float[] qHf = matVec(hf, x);
            rope.apply(qHf, 1, heads, rope.tables(pos, 1), false);
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < hd / 2; i++) {
                    for (int j = 0; j < 2; j++) {
                        float expected = qMeta[h * hd + 2 * i + j];
                        float actual = qHf[h * hd + j * hd / 2 + i];
                        assertEquals(expected, actual, 1e-5 * Math.max(1, Math.abs(expected)), "pos " + pos + " head " + h + " pair " + i);
                    }
                }
            }
        }
    }

    @Test
    void truncatedFileNamesExpectedAndActualSize(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("cut.bin");
        byte[] b = Files.readAllBytes(stories260K());
        Files.write(f, Arrays.copyOf(b, b.length - 1000));
        FormatException e = assertThrows(FormatException.class, () -> Llama2cCheckpoint.open(f));
        assertOneLine(e.getMessage(), f.toString(), "size " + (b.length - 1000), "expected 1056540 bytes");

        Files.write(f, Arrays.copyOf(b, 20));
        e = assertThrows(FormatException.class, () -> Llama2cCheckpoint.open(f));
        assertOneLine(e.getMessage(), f.toString(), "20 bytes", "at least 28");
    }

    @Test
    void badHeadersAreNamed(@TempDir Path tmp) throws IOException {
        byte[] b = Files.readAllBytes(stories260K());
        Path f = tmp.resolve("bad.bin");
        byte[] zeroLayers = b.clone();
        ByteBuffer.wrap(zeroLayers).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 0);
        Files.write(f, zeroLayers);
        FormatException e = assertThrows(FormatException.class, () -> Llama2cCheckpoint.open(f));
        assertOneLine(e.getMessage(), f.toString(), "n_layers", "positive", "got 0");

        byte[] v2 = b.clone();
        ByteBuffer.wrap(v2).order(ByteOrder.LITTLE_ENDIAN).putInt(0, Llama2cCheckpoint.MAGIC).putInt(4, 2);
        Files.write(f, v2);
        e = assertThrows(FormatException.class, () -> Llama2cCheckpoint.open(f));
        assertOneLine(e.getMessage(), f.toString(), "version 2", "expected 0 or 1");

        Files.writeString(f, "this is a text file, not a llama2.c checkpoint at all\n");
        e = assertThrows(FormatException.class, () -> Llama2cCheckpoint.open(f));
        assertOneLine(e.getMessage(), f.toString(), "expected");
    }

    // ---- helpers ----

    /** The legacy file cut into its sections by an independent reading of run.c's layout. */
    private static Map<String, byte[]> legacySections(byte[] b) {
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int d = bb.getInt(0), f = bb.getInt(4), L = bb.getInt(8), H = bb.getInt(12), kv = bb.getInt(16),
                v = Math.abs(bb.getInt(20)), seq = bb.getInt(24);
        int hd = d / H, kvd = kv * hd;
        Map<String, byte[]> s = new LinkedHashMap<>();
        int[] off = {0};
        java.util.function.BiConsumer<String, Long> take = (name, floats) -> {
            int n = (int) (name.equals("header") ? 28 : floats * 4);
            s.put(name, Arrays.copyOfRange(b, off[0], off[0] + n));
            off[0] += n;
        };
        take.accept("header", 0L);
        take.accept("emb", (long) v * d);
        take.accept("rms_att", (long) L * d);
        take.accept("wq", (long) L * d * d);
        take.accept("wk", (long) L * kvd * d);
        take.accept("wv", (long) L * kvd * d);
        take.accept("wo", (long) L * d * d);
        take.accept("rms_ffn", (long) L * d);
        take.accept("w1", (long) L * f * d);
        take.accept("w2", (long) L * d * f);
        take.accept("w3", (long) L * f * d);
        take.accept("rms_final", (long) d);
        take.accept("freq", (long) seq * hd);
        assertEquals(b.length, off[0], "the stories260K file has RoPE tables and a shared classifier");
        return s;
    }

    private static void assertSameTensors(Llama2cCheckpoint expected, Llama2cCheckpoint actual) {
        assertEquals(expected.config(), actual.config());
        assertEquals(expected.names().size(), actual.names().size());
        for (String n : expected.names()) {
            assertBitEqual(expected.tensor(n), actual.tensor(n));
        }
    }

    static void assertBitEqual(Tensor expected, Tensor actual) {
        assertEquals(expected.dtype(), actual.dtype(), expected.name());
        assertArrayEquals(expected.shape(), actual.shape(), expected.name());
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        for (int i = 0; i < e.length; i++) {
            if (Float.floatToRawIntBits(e[i]) != Float.floatToRawIntBits(a[i])) {
                throw new AssertionError(expected.name() + "[" + i + "]: expected " + e[i] + ", got " + a[i]);
            }
        }
        assertTrue(e.length > 0);
    }

    private static float[] matVec(Tensor w, float[] x) {
        float[] y = new float[w.rows()];
        for (int r = 0; r < w.rows(); r++) {
            double acc = 0;
            for (int c = 0; c < w.cols(); c++) {
                acc += (double) w.getFloat((long) r * w.cols() + c) * x[c];
            }
            y[r] = (float) acc;
        }
        return y;
    }

    /** run.c: rotate (v[i], v[i+1]) by pos / 10000^(i mod hs / hs). */
    private static void runCRope(float[] v, int headSize, int pos) {
        for (int i = 0; i < v.length; i += 2) {
            int headDim = i % headSize;
            double freq = 1.0 / Math.pow(10000.0, headDim / (double) headSize);
            double val = pos * freq;
            double c = Math.cos(val), s = Math.sin(val);
            double v0 = v[i], v1 = v[i + 1];
            v[i] = (float) (v0 * c - v1 * s);
            v[i + 1] = (float) (v0 * s + v1 * c);
        }
    }
}
