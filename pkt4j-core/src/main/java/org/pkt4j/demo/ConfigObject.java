package org.pkt4j.demo;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.pkt4j.io.FormatException;

/**
 * One JSON object of a config file read strictly (nanoGPT's rule: unknown keys are errors). Each object is
 * opened with the keys it may hold and refuses any other at once, before a missing key is reported (a
 * misspelt key is named as such). Messages name the file and the key's dotted path
 * ({@code train.optimizer.lr}) with what was expected and what was found.
 */
final class ConfigObject {
    private final Path file;
    private final String path;
    private final JsonNode node;

    private ConfigObject(Path file, String path, JsonNode node, List<String> allowed) throws FormatException {
        this.file = file;
        this.path = path;
        this.node = node;
        Set<String> known = new LinkedHashSet<>(allowed);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) {
                throw new FormatException(file, "unknown key " + key(k) + " (expected " + (path.isEmpty() ? "" : "in " + path + " ")
                        + "one of: " + String.join(", ", allowed) + ")");
            }
        }
    }

    /** The file's root object, which may hold only the {@code allowed} keys. */
    static ConfigObject root(Path file, JsonNode node, List<String> allowed) throws FormatException {
        if (node == null || !node.isObject()) {
            throw new FormatException(file, "expected a JSON object at the top level");
        }
        return new ConfigObject(file, "", node, allowed);
    }

    /** The dotted path of {@code key} in this object. */
    String key(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    FormatException error(String key, String message) {
        return new FormatException(file, "key " + key(key) + ": " + message);
    }

    /** An error about this object as a whole. */
    FormatException error(String message) {
        return new FormatException(file, "key " + path + ": " + message);
    }

    private JsonNode required(String key) throws FormatException {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            throw new FormatException(file, "missing key " + key(key));
        }
        return v;
    }

    boolean has(String key) {
        return node.has(key) && !node.get(key).isNull();
    }

    /** The object under {@code key}, which may hold only the {@code allowed} keys. */
    ConfigObject object(String key, List<String> allowed) throws FormatException {
        JsonNode v = required(key);
        if (!v.isObject()) {
            throw error(key, "expected an object, got " + v);
        }
        return new ConfigObject(file, key(key), v, allowed);
    }

    /** The raw node of {@code key} (an object), for blocks read by other code. */
    JsonNode rawObject(String key) throws FormatException {
        JsonNode v = required(key);
        if (!v.isObject()) {
            throw error(key, "expected an object, got " + v);
        }
        return v;
    }

    String text(String key) throws FormatException {
        JsonNode v = required(key);
        if (!v.isTextual()) {
            throw error(key, "expected a string, got " + v);
        }
        return v.asText();
    }

    long integer(String key) throws FormatException {
        JsonNode v = required(key);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw error(key, "expected an integer, got " + v);
        }
        return v.asLong();
    }

    /** An int in [min, max]. */
    int integer(String key, int min, int max) throws FormatException {
        long v = integer(key);
        if (v < min || v > max) {
            throw error(key, "expected an integer in [" + min + ", " + max + "], got " + v);
        }
        return (int) v;
    }

    double number(String key) throws FormatException {
        JsonNode v = required(key);
        if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw error(key, "expected a finite number, got " + v);
        }
        return v.asDouble();
    }

    /** A number in [min, max] (or (min, max] with {@code openMin}). */
    double number(String key, double min, boolean openMin, double max) throws FormatException {
        double v = number(key);
        if (v < min || (openMin && v == min) || v > max) {
            throw error(key, "expected a number in " + (openMin ? "(" : "[") + min + ", " + max + "], got " + node.get(key));
        }
        return v;
    }

    boolean bool(String key) throws FormatException {
        JsonNode v = required(key);
        if (!v.isBoolean()) {
            throw error(key, "expected true or false, got " + v);
        }
        return v.asBoolean();
    }

    List<Double> numbers(String key, int count) throws FormatException {
        JsonNode v = required(key);
        if (!v.isArray() || v.size() != count) {
            throw error(key, "expected an array of " + count + " numbers, got " + v);
        }
        List<Double> out = new ArrayList<>();
        for (JsonNode x : v) {
            if (!x.isNumber()) {
                throw error(key, "expected an array of " + count + " numbers, got " + v);
            }
            out.add(x.asDouble());
        }
        return out;
    }

    List<String> texts(String key) throws FormatException {
        JsonNode v = required(key);
        if (!v.isArray()) {
            throw error(key, "expected an array of strings, got " + v);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode x : v) {
            if (!x.isTextual() || x.asText().isEmpty()) {
                throw error(key, "expected an array of non-empty strings, got " + v);
            }
            out.add(x.asText());
        }
        return out;
    }
}
