package org.pkt4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pkt4j.data.ChatFormat;
import org.pkt4j.data.ChatRecord;
import org.pkt4j.io.Json;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.io.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids of a text (no BOS unless --bos), as Hugging Face encodes it without special tokens.")
final class TokenizeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL",
            description = "model directory (its tokenizer.json, else tokenizer.bin), a tokenizer.json, or a llama2.c tokenizer .bin")
    Path model;

    @Option(names = "--text", required = true, paramLabel = "T", description = "the text to tokenize")
    String text;

    @Option(names = "--chat", description = "render T as one user message and the assistant prompt first (PKT-SPEC §1)")
    boolean chat;

    @Option(names = "--bos", description = "put the tokenizer's BOS id first")
    boolean bos;

    @Option(names = "--json", description = "print {\"ids\": [...]}")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The parsed command line. */
    record Options(Path model, String text, boolean chat, boolean bos, boolean json) {
    }

    @Override
    public Integer call() throws Exception {
        Options o = new Options(model, text, chat, bos, json);
        Tokenizer tokenizer = Tokenizers.load(o.model());
        String input = o.chat()
                ? ChatFormat.userPrompt(List.of(new ChatRecord.Message("user", o.text()), new ChatRecord.Message("assistant", "")))
                : o.text();
        int[] ids = tokenizer.encode(input);
        if (o.bos()) {
            if (tokenizer.bosId() < 0) {
                throw new UsageException("--bos: " + o.model() + " has no BOS token");
            }
            int[] withBos = new int[ids.length + 1];
            withBos[0] = tokenizer.bosId();
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            ids = withBos;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (o.json()) {
            out.println(Json.writeLine(Map.of("ids", ids)));
            return ExitCodes.OK;
        }
        out.println(ids.length + " tokens");
        for (int id : ids) {
            out.printf("%8d  %s%n", id, visible(tokenizer.piece(id)));
        }
        return ExitCodes.OK;
    }

    /** A piece with control and invisible characters escaped, so that each token shows on one line. */
    static String visible(String piece) {
        StringBuilder sb = new StringBuilder();
        piece.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append("\\\\");
                default -> {
                    int type = Character.getType(c);
                    boolean invisible = type == Character.CONTROL || type == Character.FORMAT
                            || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                            || (type == Character.SPACE_SEPARATOR && c != ' ');
                    sb.append(invisible ? String.format("\\u%04x", c) : Character.toString(c));
                }
            }
        });
        return "'" + sb + "'";
    }
}
