package org.pkt4j.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.Json;
import org.pkt4j.io.ModelConverter;
import org.pkt4j.io.ModelFiles;
import org.pkt4j.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Write SRC as a Hugging Face model directory: a llama2.c .bin imported (q/k rows permuted to"
                + " Hugging Face's RoPE layout, config.json with transformers 4.x names, its tokenizer copied as"
                + " tokenizer.bin), or a Hugging Face model in another dtype (same names and sharding).",
            "Tensors are converted one at a time (rounding to nearest even); DIR appears only when complete."})
final class ConvertCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SRC", description = "Hugging Face model directory, or llama2.c .bin checkpoint")
    Path src;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output model directory")
    Path out;

    @Option(names = "--dtype", paramLabel = "bf16|f16|f32", converter = DTypeParser.class,
            description = "dtype of the written weights (default: f32 for llama2.c, unchanged for Hugging Face)")
    DType dtype;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "tokenizer to copy (default: the one beside SRC)")
    Path tokenizer;

    @Option(names = "--force", description = "replace DIR if it exists")
    boolean force;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** bf16, f16, f32 (or bfloat16, float16, float32). */
    static final class DTypeParser implements ITypeConverter<DType> {
        @Override
        public DType convert(String value) {
            try {
                return DType.fromTorchName(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("expected bf16, f16 or f32, got '" + value + "'");
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        if (out.toAbsolutePath().normalize().equals(src.toAbsolutePath().normalize())) {
            throw new UsageException("--out: " + out + " is SRC itself; write the converted model to another directory");
        }
        ModelFiles files = ModelFiles.locate(src, tokenizer);
        AtomicFiles.checkWritable(out, force, "--force");
        ModelConverter.Result r = ModelConverter.convert(files, out, dtype, force);
        var o = spec.commandLine().getOut();
        for (String note : r.notes()) {
            spec.commandLine().getErr().println("pkt: note: " + note);
        }
        String from = r.from() == ModelFiles.Format.LLAMA2C ? "llama2.c" : "hf";
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("out", out.toString());
            m.put("from", from);
            m.put("dtype", dtype == null ? null : dtype.torchName());
            m.put("tensors", r.tensors());
            m.put("bytes", r.bytes());
            o.println(Json.writeLine(m));
        } else {
            o.printf(Locale.ROOT, "wrote %s (%s -> hf%s): %d tensors, %.1f MB%n", out, from,
                    dtype == null ? "" : ", " + dtype.torchName(), r.tensors(), r.bytes() / 1e6);
        }
        return ExitCodes.OK;
    }
}
