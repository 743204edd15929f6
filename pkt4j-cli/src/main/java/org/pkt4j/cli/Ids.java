package org.pkt4j.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Comma-separated token ids ("1,2,3") as an option value. */
record Ids(int[] values) {

    /** The picocli converter. */
    static final class Parser implements ITypeConverter<Ids> {
    @Override
    public Ids convert(String value) {
        String[] parts = value.split(",");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].strip();
            try {
                ids[i] = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new TypeConversionException("expected comma-separated integers, got '" + p + "' in '" + value + "'");
            }
            if (ids[i] < 0 && ids[i] != -100) {
                throw new TypeConversionException("negative id " + ids[i] + " in '" + value + "'");
            }
        }
        if (ids.length == 0 || value.isBlank()) {
            throw new TypeConversionException("expected at least one id");
        }
        return new Ids(ids);
    }
    }

    /**
     * Checks every id against the model's vocabulary (-100, "ignored", is allowed where {@code ignoreAllowed}),
     * naming the flag: a usage error, found before any work is done.
     */
    void checkVocabulary(String flag, int vocab, boolean ignoreAllowed) {
        for (int i = 0; i < values.length; i++) {
            int id = values[i];
            if ((id < 0 || id >= vocab) && !(ignoreAllowed && id == -100)) {
                throw new UsageException(flag + ": token id " + id + " (position " + i + ") is outside the model's vocabulary"
                        + " [0, " + vocab + ")" + (ignoreAllowed ? " and is not -100" : ""));
            }
        }
    }
}
