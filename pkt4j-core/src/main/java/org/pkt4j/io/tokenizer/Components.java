package org.pkt4j.io.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.pkt4j.io.FormatException;

/** Field readers for {@code tokenizer.json} components whose errors name the file, component and key. */
final class Components {
    private Components() {
    }

    static String type(JsonNode n, Path file, String section) throws FormatException {
        if (!n.isObject() || !n.path("type").isTextual()) {
            throw new FormatException(file, section + ": expected an object with a string 'type', found " + abbreviate(n));
        }
        return n.get("type").asText();
    }

    static String string(JsonNode n, String key, Path file, String what) throws FormatException {
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual()) {
            throw new FormatException(file, what + ": expected string '" + key + "', found " + abbreviate(v));
        }
        return v.asText();
    }

    /** A one-character string field (Metaspace's replacement) as a code point. */
    static int character(JsonNode n, String key, Path file, String what) throws FormatException {
        String s = string(n, key, file, what);
        if (s.isEmpty() || s.codePointCount(0, s.length()) != 1) {
            throw new FormatException(file, what + ": expected one character in '" + key + "', found \"" + s + "\"");
        }
        return s.codePointAt(0);
    }

    static boolean bool(JsonNode n, String key, boolean absent, Path file, String what) throws FormatException {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!v.isBoolean()) {
            throw new FormatException(file, what + ": expected boolean '" + key + "', found " + abbreviate(v));
        }
        return v.asBoolean();
    }

    static int integer(JsonNode n, String key, int absent, Path file, String what) throws FormatException {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new FormatException(file, what + ": expected integer '" + key + "', found " + abbreviate(v));
        }
        return v.asInt();
    }

    static JsonNode array(JsonNode n, String key, Path file, String what) throws FormatException {
        JsonNode v = n.get(key);
        if (v == null || !v.isArray()) {
            throw new FormatException(file, what + ": expected array '" + key + "', found " + abbreviate(v));
        }
        return v;
    }

    static String abbreviate(JsonNode v) {
        if (v == null) {
            return "nothing";
        }
        String s = v.toString();
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
