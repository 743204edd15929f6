package org.pkt4j.demo;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Invents the proper names of the demo world from syllables, so that no model could know a fact before the
 * demo corpus states it. Every name is new: distinct from every other name (whole word, any case) and from the
 * English words the generators use.
 */
final class NameForge {
    private static final List<String> ONSETS = List.of(
            "b", "br", "d", "dr", "f", "g", "gr", "k", "kl", "l", "m", "n", "p", "pr", "qu", "r", "s", "st",
            "t", "tr", "v", "z", "th", "sh", "h", "j", "fl", "sk");
    private static final List<String> VOWELS = List.of("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ei", "ou");
    private static final List<String> CODAS = List.of("", "", "", "n", "r", "l", "s", "m", "x", "nd", "rk", "th", "st", "ll");

    private final DemoRandom rng;
    private final Set<String> taken = new HashSet<>();

    NameForge(DemoRandom rng, Set<String> reservedWords) {
        this.rng = rng;
        for (String w : reservedWords) {
            taken.add(w.toLowerCase(Locale.ROOT));
        }
    }

    /** {@code syllables} syllables, e.g. "zor", "quellam". */
    private String root(int syllables) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < syllables; i++) {
            sb.append(rng.pick(ONSETS)).append(rng.pick(VOWELS)).append(rng.pick(CODAS));
        }
        return sb.toString();
    }

    /**
     * A fresh name: a root of up to {@code maxSyllables} syllables plus one of the suffixes, 4–9 letters that
     * read easily (short names also cost the small demo models fewer tokens), capitalised unless {@code lower}.
     */
    String name(int maxSyllables, List<String> suffixes, boolean lower) {
        for (int attempt = 0; attempt < 100_000; attempt++) {
            String n = root(1 + rng.nextInt(maxSyllables)) + rng.pick(suffixes);
            if (n.length() < 4 || n.length() > 9 || !pronounceable(n) || !taken.add(n.toLowerCase(Locale.ROOT))) {
                continue;
            }
            return lower ? n : Character.toUpperCase(n.charAt(0)) + n.substring(1);
        }
        throw new IllegalStateException("name space exhausted for suffixes " + suffixes);
    }

    /** No letter three times in a row, no "hh", at most two vowels or three consonants in a row. */
    static boolean pronounceable(String n) {
        if (n.contains("hh")) {
            return false;
        }
        int vowels = 0, consonants = 0;
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (i >= 2 && c == n.charAt(i - 1) && c == n.charAt(i - 2)) {
                return false;
            }
            boolean vowel = "aeiou".indexOf(c) >= 0;
            vowels = vowel ? vowels + 1 : 0;
            consonants = vowel ? 0 : consonants + 1;
            if (vowels > 2 || consonants > 3) {
                return false;
            }
        }
        return true;
    }

    String country() {
        return name(2, List.of("ia", "or", "essa", "mar", "land", "ovia", "eth"), false);
    }

    String city() {
        return name(1, List.of("port", "haven", "ford", "burg", "mouth", "gate", "dale", "holm"), false);
    }

    String continent() {
        return name(2, List.of("ara", "enor", "aria", "undra"), false);
    }

    String language() {
        return name(2, List.of("ish", "ese", "ic", "ari"), false);
    }

    String givenName() {
        return name(1, List.of("a", "o", "en", "is", "ina", "el"), false);
    }

    String surname() {
        return name(1, List.of("ley", "sen", "ova", "ard", "wick", "ton", "ez"), false);
    }

    String animal() {
        return name(1, List.of("ox", "ling", "mole", "fin", "hound", "wing", "tail", "hop"), true);
    }

    String element() {
        return name(2, List.of("ium", "on", "ine", "ite", "um"), false);
    }
}
