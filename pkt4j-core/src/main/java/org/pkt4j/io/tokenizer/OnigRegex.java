package org.pkt4j.io.tokenizer;

import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles the Oniguruma regexes of {@code tokenizer.json} files with {@link java.util.regex}. Both engines
 * backtrack with leftmost-first alternation and support the same greedy, lazy and possessive quantifiers,
 * lookarounds and inline groups such as {@code (?i:'s|'t)}; what differs, and is bridged here:
 * <ul>
 *   <li>{@code \s \S \d \w \b} are Unicode-aware in Oniguruma: compiled with {@code UNICODE_CHARACTER_CLASS}
 *       (which also makes {@code (?i)} fold case by Unicode, as Oniguruma does: {@code (?i:'s)} matches "'ſ").
 *       Oniguruma's {@code \w} is Letter|Mark|Decimal_Number|Connector_Punctuation, Java's is
 *       Alphabetic|Mark|Decimal_Number|Connector_Punctuation|Join_Control; none of the shipped patterns use it.</li>
 *   <li>{@code \p{Han}}-style script and property names need Java's {@code Is} prefix; {@code \p{^X}} is
 *       Java's {@code \P{X}}.</li>
 *   <li>{@code \h} is a hexadecimal digit in Oniguruma (horizontal space in Java).</li>
 * </ul>
 * Character data is Java's (Unicode 16 on Java 25); the tokenizers 0.21 library carries Oniguruma 6.9 tables
 * (Unicode 15), so only characters assigned in Unicode 16 could be classed differently.
 */
final class OnigRegex {
    private OnigRegex() {
    }

    private static final Set<String> GENERAL_CATEGORIES = Set.of(
            "L", "Lu", "Ll", "Lt", "Lm", "Lo", "LC", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No",
            "P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So",
            "Z", "Zs", "Zl", "Zp", "C", "Cc", "Cf", "Cs", "Co", "Cn");

    /** The Java form of an Oniguruma {@code pattern}; throws {@link PatternSyntaxException} when it has none. */
    static Pattern compile(String pattern) {
        return Pattern.compile(translate(pattern), Pattern.UNICODE_CHARACTER_CLASS);
    }

    static String translate(String pattern) {
        StringBuilder sb = new StringBuilder(pattern.length() + 16);
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '\\' || i + 1 == pattern.length()) {
                sb.append(c);
                continue;
            }
            char e = pattern.charAt(++i);
            if ((e == 'p' || e == 'P') && i + 1 < pattern.length() && pattern.charAt(i + 1) == '{') {
                int close = pattern.indexOf('}', i);
                if (close < 0) {
                    throw new PatternSyntaxException("unclosed property name", pattern, i);
                }
                String name = pattern.substring(i + 2, close);
                boolean negated = name.startsWith("^");
                if (negated) {
                    name = name.substring(1);
                }
                if (!GENERAL_CATEGORIES.contains(name) && !name.contains("=")
                        && !name.startsWith("Is") && !name.startsWith("In")) {
                    name = "Is" + name;
                }
                sb.append('\\').append(negated == (e == 'p') ? 'P' : 'p').append('{').append(name).append('}');
                i = close;
            } else if (e == 'h') {
                sb.append("[0-9a-fA-F]");
            } else if (e == 'H') {
                sb.append("[^0-9a-fA-F]");
            } else {
                sb.append('\\').append(e);
            }
        }
        return sb.toString();
    }
}
