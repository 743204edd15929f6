package org.pkt4j.transfer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.pkt4j.attribution.LocateExample;
import org.pkt4j.data.ChatRecord;
import org.pkt4j.data.DataFile;
import org.pkt4j.data.TokenRecord;
import org.pkt4j.data.TokenizedExample;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.tokenizer.Tokenizer;
import org.pkt4j.train.CausalLmLoss;

/**
 * The examples of a LaTen run (PKT-SPEC §1, §4): per extract example its locate form (prompt + stripped
 * answer; context and predicted id) and its training sequence, and the align sequences. Chat records are
 * rendered and tokenized with the target's tokenizer (the reference tokenizes the data with the student's);
 * pre-tokenized extract records carry both forms ({@code context_ids} + {@code target_id} and
 * {@code input_ids} + {@code labels}), align records the training form. Sequences are truncated at the
 * cutoff, never padded.
 *
 * @param locate     extract example k's locate form
 * @param extract    extract example k's training sequence (the 16th micro-batch of step k)
 * @param align      the align sequences
 * @param truncated  sequences cut at the cutoff (extract and align)
 * @param unscored   sequences with no scored label (their micro-batches are skipped, as the reference skips NaN)
 */
public record LatenData(List<LocateExample> locate, List<TokenizedExample> extract, List<TokenizedExample> align,
                        int truncated, int unscored) {

    public LatenData {
        if (locate.size() != extract.size()) {
            throw new IllegalArgumentException(locate.size() + " locate examples but " + extract.size() + " extract sequences");
        }
        if (extract.isEmpty()) {
            throw new IllegalArgumentException("no extract examples: LaTen takes one step per extract example");
        }
        locate = List.copyOf(locate);
        extract = List.copyOf(extract);
        align = List.copyOf(align);
    }

    /**
     * Reads the two files. {@code tok} is needed for chat records (null otherwise); ids must lie in [0, vocab).
     *
     * @param labels how the prompt is masked (the reference also masks the first answer token)
     */
    public static LatenData read(DataFile extractFile, DataFile alignFile, Tokenizer tok, int vocab, int cutoff,
                                 boolean trainOnInputs, TokenizedExample.Compat labels) throws FormatException {
        if (cutoff < 2) {
            throw new IllegalArgumentException("--cutoff: expected at least 2 tokens, got " + cutoff);
        }
        if ((extractFile.isChat() || alignFile.isChat()) && tok == null) {
            throw new IllegalArgumentException("chat records need the target's tokenizer, and none was found");
        }
        List<LocateExample> locate = new ArrayList<>();
        List<TokenizedExample> extract = new ArrayList<>();
        int[] counts = new int[2];
        if (extractFile.isChat()) {
            LocateExample.checkDataFile(extractFile);
            for (ChatRecord r : extractFile.chat()) {
                try {
                    locate.add(LocateExample.fromChat(r, tok));
                } catch (IllegalArgumentException e) {
                    throw new FormatException(extractFile.path(), "line " + r.line() + ": " + e.getMessage());
                }
                extract.add(checked(extractFile, r.line(), TokenizedExample.of(r, tok, cutoff, trainOnInputs, labels), vocab, counts));
            }
        } else {
            for (TokenRecord r : extractFile.tokens()) {
                if (!r.isLocate() || !r.isTraining()) {
                    throw new FormatException(extractFile.path(), "line " + r.line() + ": a pre-tokenized extract record needs both its "
                            + "locate form ('context_ids' + 'target_id') and its training form ('input_ids' + 'labels')");
                }
                LocateExample l = LocateExample.fromTokens(r);
                for (int id : r.contextIds()) {
                    checkId(extractFile, r.line(), "context id", id, vocab);
                }
                checkId(extractFile, r.line(), "target_id", r.targetId(), vocab);
                locate.add(l);
                extract.add(checked(extractFile, r.line(), fromTokens(r, cutoff, trainOnInputs), vocab, counts));
            }
        }
        List<TokenizedExample> align = new ArrayList<>();
        if (alignFile.isChat()) {
            for (ChatRecord r : alignFile.chat()) {
                if (!r.last().role().equals("assistant")) {
                    throw new FormatException(alignFile.path(), "line " + r.line() + ": the last message must be the assistant's answer, found '"
                            + r.last().role() + "'");
                }
                align.add(checked(alignFile, r.line(), TokenizedExample.of(r, tok, cutoff, trainOnInputs, labels), vocab, counts));
            }
        } else {
            for (TokenRecord r : alignFile.tokens()) {
                if (!r.isTraining()) {
                    throw new FormatException(alignFile.path(), "line " + r.line() + ": align records need 'input_ids' (+ 'labels'), found a locate record");
                }
                align.add(checked(alignFile, r.line(), fromTokens(r, cutoff, trainOnInputs), vocab, counts));
            }
        }
        return new LatenData(locate, extract, align, counts[0], counts[1]);
    }

    /** The first {@code n} extract examples (the alignment-step ablation: steps = n). */
    public LatenData firstSteps(int n) {
        if (n < 1 || n > extract.size()) {
            throw new IllegalArgumentException("--steps: expected 1.." + extract.size() + " (the extract examples), got " + n);
        }
        return new LatenData(locate.subList(0, n), extract.subList(0, n), align, truncated, unscored);
    }

    /** The longest sequence, extract or align (the step engine's capacity). */
    public int maxLength() {
        int m = 1;
        for (TokenizedExample e : extract) {
            m = Math.max(m, e.ids().length);
        }
        for (TokenizedExample e : align) {
            m = Math.max(m, e.ids().length);
        }
        return m;
    }

    private static TokenizedExample fromTokens(TokenRecord r, int cutoff, boolean trainOnInputs) {
        int n = Math.min(cutoff, r.inputIds().length);
        int[] ids = Arrays.copyOf(r.inputIds(), n);
        return new TokenizedExample(ids, trainOnInputs ? ids.clone() : Arrays.copyOf(r.labels(), n), r.inputIds().length > cutoff);
    }

    private static TokenizedExample checked(DataFile f, int line, TokenizedExample ex, int vocab, int[] counts) throws FormatException {
        for (int t = 0; t < ex.ids().length; t++) {
            checkId(f, line, "token id", ex.ids()[t], vocab);
            if (ex.labels()[t] != CausalLmLoss.IGNORE) {
                checkId(f, line, "label", ex.labels()[t], vocab);
            }
        }
        counts[0] += ex.truncated() ? 1 : 0;
        counts[1] += ex.scoredTokens() == 0 ? 1 : 0;
        return ex;
    }

    private static void checkId(DataFile f, int line, String what, int id, int vocab) throws FormatException {
        if (id < 0 || id >= vocab) {
            throw new FormatException(f.path(), "line " + line + ": " + what + " " + id + " is outside the target's vocabulary [0, " + vocab + ")");
        }
    }
}
