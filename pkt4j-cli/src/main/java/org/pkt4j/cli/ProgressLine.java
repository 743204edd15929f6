package org.pkt4j.cli;

import java.io.PrintWriter;
import org.pkt4j.eval.EvalProgress;

/**
 * Progress of a long run on stderr: done/total, the running metric, examples/s and ETA. On a terminal one
 * line is rewritten twice a second; in a log a plain line is written every ten seconds and at the end.
 */
final class ProgressLine implements EvalProgress {
    private final PrintWriter err;
    private final String label;
    private final String metric;
    private final boolean terminal;
    private final double interval;
    private double last = Double.NEGATIVE_INFINITY;

    ProgressLine(PrintWriter err, String label, String metric) {
        this.err = err;
        this.label = label;
        this.metric = metric;
        this.terminal = System.console() != null && System.console().isTerminal();
        this.interval = terminal ? 0.5 : 10;
    }

    @Override
    public void update(int done, int total, int correct, double seconds) {
        boolean end = done == total;
        if (!end && seconds - last < interval) {
            return;
        }
        last = seconds;
        double rate = done / Math.max(seconds, 1e-9);
        String line = String.format("%s: %d/%d (%.0f%%) %s %.3f | %.2f examples/s | ETA %s", label, done, total, 100.0 * done / total,
                metric, (double) correct / done, rate, duration((total - done) / Math.max(rate, 1e-9)));
        if (terminal) {
            err.print("\r" + line + (end ? "\n" : ""));
            err.flush();
        } else {
            err.println(line);
        }
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
