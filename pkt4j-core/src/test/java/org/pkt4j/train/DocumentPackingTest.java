package org.pkt4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pkt4j.data.TokenizedExample;

/** Packing whole documents + EOS into sequences: order kept, nothing split, every token scored, long ones cut. */
class DocumentPackingTest {

    private static final int EOS = 1;

    @Test
    void packsWholeDocumentsInOrderEachFollowedByEos() {
        List<int[]> docs = List.of(new int[] {5, 6, 7}, new int[] {8, 9}, new int[] {10, 11, 12, 13}, new int[] {14}, new int[] {});
        DocumentPacking.Packed p = DocumentPacking.pack(docs, EOS, 7);
        // [5 6 7 E 8 9 E] is full; [10 11 12 13 E] + [14 E] is 7: fits; the empty document is dropped
        assertEquals(2, p.sequences().size());
        assertArrayEquals(new int[] {5, 6, 7, EOS, 8, 9, EOS}, p.sequences().get(0).ids());
        assertArrayEquals(new int[] {10, 11, 12, 13, EOS, 14, EOS}, p.sequences().get(1).ids());
        for (TokenizedExample s : p.sequences()) {
            assertArrayEquals(s.ids(), s.labels(), "every token is scored");
        }
        assertEquals(4, p.documents());
        assertEquals(0, p.truncated());
        assertEquals(14, p.tokens());
    }

    @Test
    void randomDocumentsAreNeverSplitAndTooLongOnesAreCut() {
        SplittableRandom rng = new SplittableRandom(4);
        List<int[]> docs = new ArrayList<>();
        int next = 2, tooLong = 0;
        for (int i = 0; i < 300; i++) {
            int[] d = new int[rng.nextInt(40)];
            for (int t = 0; t < d.length; t++) {
                d[t] = next++;
            }
            tooLong += d.length + 1 > 32 ? 1 : 0;
            docs.add(d);
        }
        DocumentPacking.Packed p = DocumentPacking.pack(docs, EOS, 32);
        assertEquals(tooLong, p.truncated());
        // reading the sequences back gives every document in order, cut to 32 tokens with its EOS then dropped
        List<Integer> seen = new ArrayList<>();
        int fill = 0;
        for (TokenizedExample s : p.sequences()) {
            assertTrue(s.ids().length <= 32 && s.ids().length >= 2);
            for (int id : s.ids()) {
                seen.add(id);
            }
            fill += s.ids().length;
        }
        List<Integer> expected = new ArrayList<>();
        for (int[] d : docs) {
            for (int t = 0; t < Math.min(d.length, 32); t++) {
                expected.add(d[t]);
            }
            if (d.length > 0 && d.length + 1 <= 32) {
                expected.add(EOS);
            }
        }
        assertEquals(expected, seen);
        assertEquals(fill, p.tokens());
        // each sequence starts at a document start and has something to predict
        Set<Integer> starts = new HashSet<>();
        for (int[] d : docs) {
            if (d.length > 0) {
                starts.add(d[0]);
            }
        }
        for (TokenizedExample s : p.sequences()) {
            assertTrue(starts.contains(s.ids()[0]));
            assertTrue(s.scoredTokens() > 0);
        }
        assertThrows(IllegalArgumentException.class, () -> DocumentPacking.pack(docs, EOS, 1));
    }
}
