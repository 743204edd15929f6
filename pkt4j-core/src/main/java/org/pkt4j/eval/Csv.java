package org.pkt4j.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pkt4j.io.FormatException;

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks; rows end at \n or \r\n. */
final class Csv {
    private Csv() {
    }

    /** One row and the 1-based line it starts on. */
    record Row(int line, List<String> fields) {
    }

    static List<Row> parse(Path file, String text) throws FormatException {
        List<Row> rows = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int line = 1;
        int rowLine = 1;
        boolean quoted = false;
        boolean rowHasContent = false;
        int quoteLine = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (c == '\n') {
                        line++;
                    }
                    field.append(c);
                }
                continue;
            }
            switch (c) {
                case '"' -> {
                    if (!field.isEmpty()) {
                        throw new FormatException(file, "line " + line + ": a quote inside an unquoted field");
                    }
                    quoted = true;
                    quoteLine = line;
                    rowHasContent = true;
                }
                case ',' -> {
                    fields.add(field.toString());
                    field.setLength(0);
                    rowHasContent = true;
                }
                case '\r' -> {
                    if (i + 1 >= text.length() || text.charAt(i + 1) != '\n') {
                        field.append(c);
                    }
                }
                case '\n' -> {
                    if (rowHasContent || !field.isEmpty()) {
                        fields.add(field.toString());
                        rows.add(new Row(rowLine, List.copyOf(fields)));
                    }
                    fields.clear();
                    field.setLength(0);
                    rowHasContent = false;
                    line++;
                    rowLine = line;
                }
                default -> {
                    field.append(c);
                    rowHasContent = true;
                }
            }
        }
        if (quoted) {
            throw new FormatException(file, "line " + quoteLine + ": unterminated quoted field");
        }
        if (rowHasContent || !field.isEmpty()) {
            fields.add(field.toString());
            rows.add(new Row(rowLine, List.copyOf(fields)));
        }
        return rows;
    }
}
