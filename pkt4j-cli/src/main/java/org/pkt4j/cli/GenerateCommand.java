package org.pkt4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pkt4j.io.Json;
import org.pkt4j.io.ModelFiles;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.llama.Generator;
import org.pkt4j.llama.Llama;
import org.pkt4j.llama.LlamaConfig;
import org.pkt4j.llama.LlamaForward;
import org.pkt4j.llama.Sampler;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Continue a prompt: greedy at temperature 0 (the default), else seeded temperature/top-p sampling;"
                + " stops at the config's EOS or after --max-new-tokens.",
            "--json prints {\"prompt_ids\":[...],\"generated_ids\":[...],\"text\":...}: generated_ids include the EOS"
                + " when generation stopped on it; text is the continuation as it reads after the prompt (EOS left out),"
                + " null without a tokenizer. Otherwise the continuation is streamed as text, or as ids without a tokenizer."})
final class GenerateCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--prompt", paramLabel = "T", description = "prompt text (tokenized with MODEL's tokenizer, BOS added when it has one)")
        String prompt;

        @Option(names = "--ids", paramLabel = "I", converter = Ids.Parser.class, description = "prompt token ids, comma-separated, used as given")
        Ids ids;
    }

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "64", description = "at most N new tokens (default: ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0", description = "0 = greedy (default); > 0 samples from softmax(logits / T)")
    float temperature;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1", description = "nucleus: sample among the most probable ids holding mass P (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "sampling seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Mixin
    Threads threads;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (maxNewTokens < 0) {
            throw new UsageException("--max-new-tokens: expected a number >= 0, got " + maxNewTokens);
        }
        if (!(temperature >= 0 && Float.isFinite(temperature))) {
            throw new UsageException("--temperature: expected a finite number >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new UsageException("--top-p: expected a number in (0, 1], got " + topP);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ModelFiles files = modelOptions.locate();
        Llama model = files.open();
        LlamaConfig c = model.config();

        Tokenizer tok;
        int[] prompt;
        if (input.prompt != null) {
            if (files.tokenizer() == null) {
                throw new UsageException("--prompt needs a tokenizer, and none was found beside " + files.path()
                        + " (tokenizer.json or tokenizer.bin): pass --tokenizer PATH, or give the prompt as --ids");
            }
            tok = files.loadTokenizer();
            int[] text = tok.encode(input.prompt);
            prompt = tok.bosId() >= 0 ? prepend(tok.bosId(), text) : text;
            if (prompt.length == 0) {
                throw new UsageException("--prompt: the text encodes to no tokens");
            }
            new Ids(prompt).checkVocabulary("--prompt (as tokenized)", c.vocabSize(), false);
        } else {
            prompt = input.ids.values();
            input.ids.checkVocabulary("--ids", c.vocabSize(), false);
            tok = optionalTokenizer(files, err);
        }
        if ((long) prompt.length + maxNewTokens > c.maxPositionEmbeddings()) {
            throw new UsageException("--max-new-tokens: " + prompt.length + " prompt tokens + " + maxNewTokens
                    + " new ones exceed the model's max_position_embeddings " + c.maxPositionEmbeddings());
        }

        Stream stream = json ? null : new Stream(out, tok, prompt, c);
        int[] generated = new Generator(new LlamaForward(model, threads.context()))
                .generate(prompt, maxNewTokens, new Sampler(temperature, topP, seed), true,
                        (Generator.TokenListener) id -> {
                            if (stream != null) {
                                stream.add(id);
                            }
                        });
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("prompt_ids", prompt);
            o.put("generated_ids", generated);
            o.put("text", tok == null ? null : continuation(tok, prompt, withoutEos(generated, c)));
            out.println(Json.writeLine(o));
        } else {
            stream.finish();
        }
        return ExitCodes.OK;
    }

    /**
     * With --ids a tokenizer only turns the output into text, so one that cannot be loaded is a warning, not an
     * error: the ids are still generated and printed.
     */
    private static Tokenizer optionalTokenizer(ModelFiles files, PrintWriter err) {
        if (files.tokenizer() == null) {
            return null;
        }
        try {
            return files.loadTokenizer();
        } catch (IOException | RuntimeException e) {
            err.println("pkt: warning: tokenizer not loaded, printing ids instead of text: " + Errors.describe(e));
            return null;
        }
    }

    private static int[] prepend(int first, int[] rest) {
        int[] r = new int[rest.length + 1];
        r[0] = first;
        System.arraycopy(rest, 0, r, 1, rest.length);
        return r;
    }

    private static int[] withoutEos(int[] generated, LlamaConfig c) {
        int n = generated.length;
        return n > 0 && c.isEos(generated[n - 1]) ? Arrays.copyOf(generated, n - 1) : generated;
    }

    /**
     * The continuation as it reads after the prompt: decode(prompt + generated) minus decode(prompt). Decoding
     * the generated ids alone would lose a SentencePiece leading space ("▁She" at the start of a text decodes
     * to "She"). A leading BOS is left out of both, so its text ("<s>") is not shown.
     */
    static String continuation(Tokenizer tok, int[] prompt, int[] generated) {
        int from = prompt.length > 0 && prompt[0] == tok.bosId() ? 1 : 0;
        int[] p = Arrays.copyOfRange(prompt, from, prompt.length);
        int[] all = Arrays.copyOf(p, p.length + generated.length);
        System.arraycopy(generated, 0, all, p.length, generated.length);
        String head = tok.decode(p);
        String text = tok.decode(all);
        return text.startsWith(head) ? text.substring(head.length()) : tok.decode(generated);
    }

    /**
     * Prints the prompt, then the continuation as it is generated: as text, or as comma-separated ids without
     * a tokenizer. Text is held back while it ends inside an incomplete UTF-8 sequence (decoded as U+FFFD) or
     * no longer extends what was printed (a decoder may revise its last characters).
     */
    private static final class Stream {
        private final PrintWriter out;
        private final Tokenizer tok;
        private final int[] prompt;
        private final LlamaConfig config;
        private int[] shown = new int[0];
        private int count;
        private String printed = "";

        Stream(PrintWriter out, Tokenizer tok, int[] prompt, LlamaConfig config) {
            this.out = out;
            this.tok = tok;
            this.prompt = prompt;
            this.config = config;
            if (tok != null) {
                int from = prompt.length > 0 && prompt[0] == tok.bosId() ? 1 : 0;
                out.print(tok.decode(Arrays.copyOfRange(prompt, from, prompt.length)));
                out.flush();
            }
        }

        void add(int id) {
            if (tok == null) {
                out.print((count == 0 ? "" : ",") + id);
            } else if (!config.isEos(id)) {
                shown = Arrays.copyOf(shown, shown.length + 1);
                shown[shown.length - 1] = id;
                String text = continuation(tok, prompt, shown);
                if (!text.endsWith("\uFFFD")) {
                    print(text);
                }
            }
            count++;
            out.flush();
        }

        void finish() {
            if (tok != null) {
                print(continuation(tok, prompt, shown));
            }
            out.println();
            out.flush();
        }

        private void print(String text) {
            if (text.startsWith(printed)) {
                out.print(text.substring(printed.length()));
                printed = text;
            }
        }
    }
}
