package org.pkt4j.cli.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small self-contained SVG line chart (series of (x, y) points with markers, axes, ticks, legend), so
 * reports embed their plots inline in one HTML page without image files or a charting library.
 */
public final class SvgChart {

    /** One line: a name and its points (x ascending). NaN y values leave a gap. */
    public record Series(String name, double[] x, double[] y) {
    }

    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private Double yMin;
    private Double yMax;
    private boolean logX;

    public SvgChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    public SvgChart add(Series s) {
        if (s.x().length != s.y().length) {
            throw new IllegalArgumentException("series " + s.name() + ": " + s.x().length + " x values, " + s.y().length + " y values");
        }
        series.add(s);
        return this;
    }

    /** Fixes the y range (e.g. [0, 1] for accuracies). */
    public SvgChart yRange(double min, double max) {
        this.yMin = min;
        this.yMax = max;
        return this;
    }

    /** Logarithmic x axis (base 2 ticks at the data's x values). */
    public SvgChart logX() {
        this.logX = true;
        return this;
    }

    public String render() {
        int w = 560, h = 340, left = 62, right = 150, top = 34, bottom = 48;
        int pw = w - left - right, ph = h - top - bottom;
        double x0 = Double.POSITIVE_INFINITY, x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
        List<Double> xTicks = new ArrayList<>();
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                double xv = tx(s.x()[i]);
                x0 = Math.min(x0, xv);
                x1 = Math.max(x1, xv);
                if (!xTicks.contains(s.x()[i])) {
                    xTicks.add(s.x()[i]);
                }
                if (!Double.isNaN(s.y()[i])) {
                    y0 = Math.min(y0, s.y()[i]);
                    y1 = Math.max(y1, s.y()[i]);
                }
            }
        }
        if (yMin != null) {
            y0 = yMin;
            y1 = yMax;
        }
        if (!(x1 > x0)) {
            x0 -= 1;
            x1 += 1;
        }
        if (!(y1 > y0)) {
            double pad = Math.abs(y0) > 0 ? Math.abs(y0) * 0.1 : 1;
            y0 -= pad;
            y1 += pad;
        }
        double fx0 = x0, fx1 = x1, fy0 = y0, fy1 = y1;
        java.util.function.DoubleUnaryOperator px = v -> left + (tx(v) - fx0) / (fx1 - fx0) * pw;
        java.util.function.DoubleUnaryOperator py = v -> top + ph - (v - fy0) / (fy1 - fy0) * ph;

        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"11\">%n", w, h, w, h));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"13\" font-weight=\"bold\">%s</text>%n", left, esc(title)));
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n", left, top, pw, ph));
        for (int i = 0; i <= 4; i++) {
            double v = y0 + (y1 - y0) * i / 4;
            double y = py.applyAsDouble(v);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", left, left + pw, y, y, left - 4, y + 4, num(v)));
        }
        xTicks.sort(Double::compare);
        int every = Math.max(1, xTicks.size() / 10);
        for (int i = 0; i < xTicks.size(); i += every) {
            double x = px.applyAsDouble(xTicks.get(i));
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x, x, top + ph, top + ph + 4, x, top + ph + 16, num(xTicks.get(i))));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", left + pw / 2, h - 8, esc(xLabel)));
        sb.append(String.format(Locale.ROOT, "<text transform=\"translate(14,%d) rotate(-90)\" text-anchor=\"middle\">%s</text>%n", top + ph / 2, esc(yLabel)));
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            String c = COLOURS[k % COLOURS.length];
            StringBuilder path = new StringBuilder();
            boolean pen = false;
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isNaN(s.y()[i])) {
                    pen = false;
                    continue;
                }
                path.append(String.format(Locale.ROOT, "%s%.1f,%.1f ", pen ? "L" : "M", px.applyAsDouble(s.x()[i]), py.applyAsDouble(s.y()[i])));
                pen = true;
            }
            sb.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n", path.toString().trim(), c));
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isNaN(s.y()[i])) {
                    sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s: (%s, %s)</title></circle>%n",
                            px.applyAsDouble(s.x()[i]), py.applyAsDouble(s.y()[i]), c, esc(s.name()), num(s.x()[i]), num(s.y()[i])));
                }
            }
            int ly = top + 10 + 16 * k;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", left + pw + 10, left + pw + 28, ly, ly, c, left + pw + 32, ly + 4, esc(s.name())));
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private double tx(double v) {
        return logX ? Math.log(v) / Math.log(2) : v;
    }

    static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e6) {
            return String.valueOf((long) v);
        }
        double a = Math.abs(v);
        if (a >= 0.01 && a < 1e5) {
            // three significant digits without trailing zeros: 0.1, 0.25, 0.923
            return new java.math.BigDecimal(String.format(Locale.ROOT, "%.3g", v)).stripTrailingZeros().toPlainString();
        }
        return String.format(Locale.ROOT, "%.2e", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
