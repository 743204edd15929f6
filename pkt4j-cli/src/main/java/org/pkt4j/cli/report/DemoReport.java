package org.pkt4j.cli.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.pkt4j.demo.DemoResults;
import org.pkt4j.demo.DemoResults.Point;
import org.pkt4j.demo.DemoResults.Row;
import org.pkt4j.io.AtomicFiles;
import org.pkt4j.io.Json;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;

/**
 * Renders {@link DemoResults} as the paper's table (PKT-SPEC §6) in plain text, {@code report.md},
 * a self-contained {@code report.html} (table + inline SVG plots) and {@code results.json}.
 */
public final class DemoReport {
    /** results.json uses the snake_case keys of pkt4j's other files. */
    private static final ObjectMapper SNAKE = Json.MAPPER.copy().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private final DemoResults r;

    public DemoReport(DemoResults r) {
        this.r = r;
    }

    /** Writes report.md, report.html and results.json into {@code dir} (each atomically). */
    public void write(Path dir) throws IOException {
        AtomicFiles.writeString(dir.resolve("report.md"), markdown());
        AtomicFiles.writeString(dir.resolve("report.html"), html());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("format", DemoResults.FORMAT);
        json.put("results", r);
        AtomicFiles.writeString(dir.resolve("results.json"), SNAKE.writeValueAsString(json) + "\n");
    }

    /** The table as fixed-width text for the terminal. */
    public String table() {
        List<String> tasks = r.tasks();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-44s", "method"));
        for (String t : tasks) {
            sb.append(String.format(Locale.ROOT, " %18s", header(t)));
        }
        sb.append(String.format(Locale.ROOT, " %8s", "average"));
        for (String t : lettered()) {
            sb.append(String.format(Locale.ROOT, " %20s", t + " (letters)"));
        }
        sb.append(String.format(Locale.ROOT, " %10s %10s %12s%n", "transfer", "peak mem", "examples"));
        for (Row row : r.rows()) {
            sb.append(String.format(Locale.ROOT, "%-44s", row.label()));
            for (String t : tasks) {
                sb.append(String.format(Locale.ROOT, " %18s", acc(row.accuracy().get(t)) + " (n=" + row.n().get(t) + ")"));
            }
            sb.append(String.format(Locale.ROOT, " %8s", acc(row.average())));
            for (String t : lettered()) {
                sb.append(String.format(Locale.ROOT, " %20s", acc(row.letterAccuracy().get(t))));
            }
            sb.append(String.format(Locale.ROOT, " %10s %10s %12s%n", seconds(row.totalTransferSeconds()), mib(row.peakBytes()), examples(row)));
        }
        return sb.toString();
    }

    public String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# pkt4j demo: parametric knowledge transfer on the bundled demo pair\n\n");
        sb.append(intro()).append("\n\n");
        sb.append(tableMarkdown()).append('\n');
        sb.append(findings()).append('\n');
        sb.append("## LaTen: loss per alignment step\n\n");
        for (String t : r.tasks()) {
            sb.append("**").append(t).append("** (checkpoint chosen on the align split: step ").append(r.bestStep().get(t)).append(")");
            List<Map<String, Object>> steps = r.latenLog().get(t);
            if (!steps.isEmpty() && steps.getLast().get("mse") instanceof Number mse) {
                sb.append(String.format(Locale.ROOT, ". At the last step the MSE term Σ_m mean(H_m(knowledge)²) is %.2e: the injected "
                        + "values have a root mean square of about %.1e", mse.doubleValue(), Math.sqrt(mse.doubleValue())));
            }
            sb.append("\n\n");
            sb.append("| step | LM loss (injected) | unedited loss | MSE term | align accuracy of the fused checkpoint |\n|---|---|---|---|---|\n");
            List<Map<String, Object>> log = r.latenLog().get(t);
            List<Point> choice = r.checkpointChoice().get(t);
            for (int i = 0; i < log.size(); i++) {
                Map<String, Object> l = log.get(i);
                Point c = i < choice.size() ? choice.get(i) : null;
                sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", l.get("step"), num(l.get("lm_loss")), num(l.get("unedited_loss")),
                        num(l.get("mse")), c == null ? "" : acc(c.accuracy()) + " (n=" + c.n() + ")"));
            }
            sb.append('\n');
        }
        sb.append("## Ablation: accuracy vs alignment steps\n\n").append(curveTable("steps", r.stepsAblation())).append('\n');
        sb.append("## Transfer-rate sweep\n\n").append(curveTable("rate", r.rateSweep())).append('\n');
        sb.append(notes());
        return sb.toString();
    }

    public String html() {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>pkt4j demo report</title>\n<style>")
                .append("body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}")
                .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}")
                .append("td:first-child,th:first-child{text-align:left}th{background:#f4f4f4}.plots{display:flex;flex-wrap:wrap;gap:1em}")
                .append("code{background:#f4f4f4;padding:0 3px}</style></head><body>\n");
        sb.append("<h1>pkt4j demo: parametric knowledge transfer on the bundled demo pair</h1>\n");
        sb.append("<p>").append(SvgChart.esc(intro())).append("</p>\n");
        sb.append("<table><tr><th>method</th>");
        for (String t : r.tasks()) {
            sb.append("<th>").append(SvgChart.esc(header(t))).append("</th>");
        }
        sb.append("<th>average</th>");
        for (String t : lettered()) {
            sb.append("<th>").append(SvgChart.esc(t)).append(" (letters)</th>");
        }
        sb.append("<th>transfer wall time</th><th>peak memory</th><th>examples used</th></tr>\n");
        for (Row row : r.rows()) {
            sb.append("<tr><td title=\"").append(SvgChart.esc(row.note())).append("\">").append(SvgChart.esc(row.label())).append("</td>");
            for (String t : r.tasks()) {
                sb.append("<td>").append(acc(row.accuracy().get(t))).append(" <small>(n=").append(row.n().get(t)).append(")</small></td>");
            }
            sb.append("<td>").append(acc(row.average())).append("</td>");
            for (String t : lettered()) {
                sb.append("<td>").append(acc(row.letterAccuracy().get(t))).append("</td>");
            }
            sb.append("<td>").append(seconds(row.totalTransferSeconds())).append("</td><td>")
                    .append(mib(row.peakBytes())).append("</td><td>").append(examples(row)).append("</td></tr>\n");
        }
        sb.append("</table>\n<p>").append(SvgChart.esc(findings()).replace("\n", "<br>")).append("</p>\n<div class=\"plots\">\n");
        for (String t : r.tasks()) {
            SvgChart loss = new SvgChart("LaTen loss per step: " + t, "alignment step", "loss");
            List<Map<String, Object>> log = r.latenLog().get(t);
            double[] x = new double[log.size()], lm = new double[log.size()], un = new double[log.size()];
            for (int i = 0; i < log.size(); i++) {
                x[i] = ((Number) log.get(i).get("step")).doubleValue();
                lm[i] = value(log.get(i).get("lm_loss"));
                un[i] = value(log.get(i).get("unedited_loss"));
            }
            sb.append(loss.add(new SvgChart.Series("LM loss, injected", x, lm)).add(new SvgChart.Series("unedited", x, un)).render());
        }
        sb.append(curveChart("Accuracy vs alignment steps (LaTen)", "alignment steps", r.stepsAblation(), true));
        sb.append(curveChart("Accuracy vs transfer rate (LaTen)", "transfer rate", r.rateSweep(), false));
        sb.append(curveChart("Align-split accuracy per checkpoint (choice)", "checkpoint step", r.checkpointChoice(), false));
        sb.append("</div>\n<h2>Notes</h2>\n<pre>").append(SvgChart.esc(notes())).append("</pre>\n</body></html>\n");
        return sb.toString();
    }

    private String intro() {
        Map<String, Object> s = r.settings();
        StringBuilder n = new StringBuilder();
        ((Map<?, ?>) s.get("test_examples")).forEach((k, v) -> n.append(n.isEmpty() ? "" : ", ").append(v).append(' ').append(k));
        return String.format(Locale.ROOT, "Source %s (%,d parameters) and target %s (%,d parameters) share one tokenizer. Tasks: %s, "
                        + "each scored on its held-out test split (%s examples%s). %s run on %s thread(s), seed %s, total %s.",
                s.get("source"), ((Number) s.get("source_parameters")).longValue(), s.get("target"),
                ((Number) s.get("target_parameters")).longValue(), String.join(", ", r.tasks()), n,
                Boolean.TRUE.equals(s.get("quick")) ? "; --quick: fewer evaluation examples and fine-tuning epochs than the full run" : "",
                Boolean.TRUE.equals(s.get("quick")) ? "Quick" : "Full", s.get("threads"), s.get("seed"), seconds(r.totalSeconds()));
    }

    private String tableMarkdown() {
        StringBuilder sb = new StringBuilder("| method |");
        for (String t : r.tasks()) {
            sb.append(' ').append(header(t)).append(" |");
        }
        sb.append(" average |");
        for (String t : lettered()) {
            sb.append(' ').append(t).append(" (letters) |");
        }
        sb.append(" transfer wall time | peak memory | examples used |\n|---|");
        sb.append("---|".repeat(r.tasks().size() + lettered().size() + 4)).append('\n');
        for (Row row : r.rows()) {
            sb.append("| ").append(row.label()).append(" |");
            for (String t : r.tasks()) {
                sb.append(' ').append(acc(row.accuracy().get(t))).append(" (n=").append(row.n().get(t)).append(") |");
            }
            sb.append(' ').append(acc(row.average())).append(" |");
            for (String t : lettered()) {
                sb.append(' ').append(acc(row.letterAccuracy().get(t))).append(" |");
            }
            sb.append(' ').append(seconds(row.totalTransferSeconds())).append(" | ")
                    .append(mib(row.peakBytes())).append(" | ").append(examples(row)).append(" |\n");
        }
        return sb.toString();
    }

    /** Plain statements of what the numbers say, computed from them (never written in advance). */
    public String findings() {
        Map<String, Row> by = new LinkedHashMap<>();
        r.rows().forEach(row -> by.put(row.method(), row));
        Row target = by.get("target"), source = by.get("source");
        List<String> out = new ArrayList<>();
        for (String t : r.tasks()) {
            double gap = source.accuracy().get(t) - target.accuracy().get(t);
            out.add(String.format(Locale.ROOT, "%s: source − target = %+.3f.", t, gap));
            for (String m : List.of("direct", "lora", "postpkt", "laten")) {
                Row row = by.get(m);
                if (row == null) {
                    continue;
                }
                double d = row.accuracy().get(t) - target.accuracy().get(t);
                double se = Math.sqrt(0.25 / row.n().get(t) + 0.25 / target.n().get(t));
                String verdict = Math.abs(d) <= 2 * se ? "within noise of the target" : d > 0 ? "above the target" : "below the target";
                out.add(String.format(Locale.ROOT, "  %s: %+.3f vs the target (%s; two standard errors ≈ %.3f).", row.label(), d, verdict, 2 * se));
            }
        }
        return String.join("\n", out) + "\n";
    }

    private String notes() {
        StringBuilder sb = new StringBuilder("## How each row was produced\n\n");
        for (Row row : r.rows()) {
            sb.append("- **").append(row.label()).append("**: ").append(row.note()).append('\n');
        }
        sb.append("\nScoring: arithmetic by greedy generation (the last number of the reply against \"So the answer is N\"); ")
                .append("knowledge in the cloze formulation (each option's text after the question without its option list, ")
                .append("log-likelihood per byte), because models this small state the facts they know but cannot map them onto an ")
                .append("option letter; the standard letter scoring (log-probabilities of A-D after the prompt with its options) is ")
                .append("shown beside it and sits near chance (0.25) for every row. The average is over the table's task columns.\n");
        sb.append("\nTransfer wall time is the time to build the transferred model (training, extraction, fusion), summed over the tasks; ")
                .append("evaluation time is separate (results.json). Peak memory is the peak Java heap during the row plus the memory-mapped ")
                .append("weight files; the process peak resident set over the whole demo was ")
                .append(r.processPeakRss() < 0 ? "not available" : mib(r.processPeakRss())).append(".\n")
                .append("Accuracies come with the number of examples they were computed on; with n examples a difference smaller than ")
                .append("about 2·sqrt(0.5/n) is within sampling noise.\n");
        return sb.toString();
    }

    private String curveTable(String x, Map<String, List<Point>> curves) {
        StringBuilder sb = new StringBuilder("| ").append(x).append(" |");
        for (String t : r.tasks()) {
            sb.append(' ').append(t).append(" |");
        }
        sb.append("\n|---|").append("---|".repeat(r.tasks().size())).append('\n');
        List<Point> first = curves.get(r.tasks().getFirst());
        for (int i = 0; i < first.size(); i++) {
            sb.append("| ").append(SvgChart.num(first.get(i).x())).append(" |");
            for (String t : r.tasks()) {
                Point p = curves.get(t).get(i);
                sb.append(' ').append(acc(p.accuracy())).append(" (n=").append(p.n()).append(") |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private String curveChart(String title, String x, Map<String, List<Point>> curves, boolean log2) {
        SvgChart c = new SvgChart(title, x, "accuracy").yRange(0, 1);
        if (log2) {
            c.logX();
        }
        for (String t : r.tasks()) {
            List<Point> pts = curves.get(t);
            double[] xs = pts.stream().mapToDouble(Point::x).toArray();
            double[] ys = pts.stream().mapToDouble(Point::accuracy).toArray();
            c.add(new SvgChart.Series(t, xs, ys));
        }
        return c.render();
    }

    /** Tasks that also have a letter score (the multiple-choice ones). */
    private List<String> lettered() {
        return r.tasks().stream().filter(t -> r.rows().getFirst().letterAccuracy().containsKey(t)).toList();
    }

    private String header(String task) {
        return lettered().contains(task) ? task + " (cloze)" : task;
    }

    private static String examples(Row row) {
        int max = row.examplesUsed().values().stream().mapToInt(Integer::intValue).max().orElse(0);
        return max == 0 ? "—" : max + " per task";
    }

    static String acc(Double a) {
        return a == null || a.isNaN() ? "—" : String.format(Locale.ROOT, "%.3f", a);
    }

    static String seconds(double s) {
        return s == 0 ? "—" : s < 100 ? String.format(Locale.ROOT, "%.1f s", s) : String.format(Locale.ROOT, "%.0f s", s);
    }

    static String mib(long bytes) {
        return bytes < 0 ? "—" : String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
    }

    private static String num(Object v) {
        return v instanceof Number n ? String.format(Locale.ROOT, "%.4f", n.doubleValue()) : "";
    }

    private static double value(Object v) {
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
