package org.pkt4j.attribution;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.pkt4j.data.ChatRecord;
import org.pkt4j.data.DataFile;
import org.pkt4j.data.TokenRecord;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.train.CausalLmLoss;

/**
 * A seed example of Post-Align PKT's gradient sensitivity (PKT-SPEC §5 step 1), tokenized as the reference's
 * {@code get_content} + {@code tokenize} do — which is not the LaTen rendering of §1:
 * <ul>
 *   <li>BOS first (the Hugging Face Llama tokenizer adds it);</li>
 *   <li>system and user messages render as {@code "<|role|>\n" + content.strip() + "\n\n"}, an assistant message as
 *       {@code "<|assistant|>\n" + content.strip()} followed by the EOS string — no trailing {@code "\n\n"};</li>
 *   <li>truncation at the cutoff (the reference's max_length 2048), BOS included;</li>
 *   <li>labels -100 on the first {@code len(tokenize(user prompt))} positions, BOS included, where the user prompt is
 *       the rendering of all messages but the last followed by {@code "<|assistant|>\n"}: the loss is on the answer and
 *       its EOS only. No reference off-by-one here (unlike LaTen's masking).</li>
 * </ul>
 * The reference appends {@code tokenizer.eos_token} as text and lets the tokenizer split it out as a special token;
 * Hugging Face tokenizes the text on each side of a special token on its own, so this class encodes the segments
 * between EOS strings separately and puts the EOS id between them — the same ids, and also right for tokenizers
 * (llama2.c's) that do not recognise {@code </s>} written in text. With the fixture's toy ids (1 BOS, 2 EOS, 3/4/5 the
 * role markers, 6 {@code "\n\n"}) a system + user + assistant record is
 * {@code [1, 3, sys…, 6, 4, user…, 6, 5, answer…, 2]}, labels -100 up to and including the 5.
 *
 * @param id     where the example came from (record id or line)
 * @param ids    token ids, BOS first
 * @param labels one per id; -100 = not scored ({@code labels[t + 1]} is the target of position t)
 */
public record SensitivityExample(String id, int[] ids, int[] labels) {

    /** The reference truncates seed examples at 2048 tokens. */
    public static final int REFERENCE_CUTOFF = 2048;

    public SensitivityExample {
        if (ids.length != labels.length) {
            throw new IllegalArgumentException(id + ": " + ids.length + " ids but " + labels.length + " labels");
        }
    }

    /** Positions whose label is scored (the causal-LM loss's targets). */
    public int scoredTokens() {
        return CausalLmLoss.scoredRows(labels).length;
    }

    /** Tokenizes a chat record whose last message is the assistant's answer. */
    public static SensitivityExample fromChat(ChatRecord r, Tokenizer tok, int cutoff) {
        if (!r.last().role().equals("assistant")) {
            throw new IllegalArgumentException("line " + r.line() + ": the last message must be the assistant's answer, found '"
                    + r.last().role() + "'");
        }
        if (tok.eosId() < 0) {
            throw new IllegalArgumentException("the tokenizer has no EOS token: the seed examples end their answer with EOS");
        }
        int[] full = truncate(encode(r.messages(), "", tok), cutoff);
        int[] prompt = truncate(encode(r.messages().subList(0, r.messages().size() - 1), "<|assistant|>\n", tok), cutoff);
        int[] labels = full.clone();
        Arrays.fill(labels, 0, Math.min(prompt.length, labels.length), CausalLmLoss.IGNORE);
        return new SensitivityExample(r.id(), full, labels);
    }

    /** A pre-tokenized training record, taken as is (truncated at the cutoff). */
    public static SensitivityExample fromTokens(TokenRecord r, int cutoff) {
        if (!r.isTraining()) {
            throw new IllegalArgumentException("line " + r.line() + ": sensitivity needs 'input_ids' (+ 'labels'), found a locate record");
        }
        return new SensitivityExample("line-" + r.line(), truncate(r.inputIds(), cutoff), truncate(r.labels(), cutoff));
    }

    /** What {@link #fromDataFile} kept, and how many records it skipped because nothing was scored within the cutoff. */
    public record Seeds(List<SensitivityExample> examples, int skipped) {
    }

    /**
     * The first {@code limit} records of a data file (all when {@code limit} exceeds its size), chat (with {@code tok})
     * or pre-tokenized. A record with no scored label left within the cutoff is skipped and counted; none left is an error.
     */
    public static Seeds fromDataFile(DataFile file, Tokenizer tok, int limit, int cutoff, int vocab) throws FormatException {
        if (limit < 1) {
            throw new IllegalArgumentException("the number of seed examples must be >= 1, got " + limit);
        }
        List<SensitivityExample> out = new ArrayList<>();
        int skipped = 0;
        for (int i = 0; i < Math.min(limit, file.size()); i++) {
            SensitivityExample ex;
            int line = file.isChat() ? file.chat().get(i).line() : file.tokens().get(i).line();
            try {
                ex = file.isChat() ? fromChat(file.chat().get(i), tok, cutoff) : fromTokens(file.tokens().get(i), cutoff);
            } catch (IllegalArgumentException e) {
                throw new FormatException(file.path(), e.getMessage());
            }
            for (int t = 0; t < ex.ids().length; t++) {
                int id = ex.ids()[t], y = ex.labels()[t];
                if (id < 0 || id >= vocab || (y != CausalLmLoss.IGNORE && (y < 0 || y >= vocab))) {
                    throw new FormatException(file.path(), "line " + line + ": token " + (id < 0 || id >= vocab ? "id " + id : "label " + y)
                            + " at position " + t + " is outside the model's vocabulary [0, " + vocab + ")");
                }
            }
            if (ex.scoredTokens() == 0) {
                skipped++;
            } else {
                out.add(ex);
            }
        }
        if (out.isEmpty()) {
            throw new FormatException(file.path(), "no seed example has a scored label within the cutoff " + cutoff
                    + " (" + skipped + " skipped): nothing to take gradients of");
        }
        return new Seeds(List.copyOf(out), skipped);
    }

    /** BOS + the messages as get_content renders them + {@code tail}, split at each assistant EOS. */
    private static int[] encode(List<ChatRecord.Message> messages, String tail, Tokenizer tok) {
        List<int[]> parts = new ArrayList<>();
        if (tok.bosId() >= 0) {
            parts.add(new int[] {tok.bosId()});
        }
        StringBuilder text = new StringBuilder();
        for (ChatRecord.Message m : messages) {
            text.append("<|").append(m.role()).append("|>\n").append(m.content().strip());
            if (m.role().equals("assistant")) {
                parts.add(tok.encode(text.toString()));
                parts.add(new int[] {tok.eosId()});
                text.setLength(0);
            } else {
                text.append("\n\n");
            }
        }
        text.append(tail);
        if (!text.isEmpty()) {
            parts.add(tok.encode(text.toString()));
        }
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static int[] truncate(int[] x, int cutoff) {
        if (cutoff < 2) {
            throw new IllegalArgumentException("cutoff must be >= 2 tokens, got " + cutoff);
        }
        return x.length > cutoff ? Arrays.copyOf(x, cutoff) : x;
    }
}
