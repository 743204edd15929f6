package org.pkt4j.demo;

import java.util.List;
import java.util.Map;

/**
 * What {@code pkt demo} measured: the rows of PKT-SPEC §6's table on the demo tasks, the LaTen loss curve,
 * the checkpoint choice on the align split, and the two ablations. Every accuracy carries the number of
 * examples it was computed on.
 *
 * @param settings        the run's settings (models, sizes, seeds, hyper-parameters), as written to results.json
 * @param tasks           the demo tasks, in column order
 * @param rows            target, direct injection, LoRA fine-tuning, Post-Align PKT, LaTen, source
 * @param latenLog        per task: the main LaTen run's log lines (step, lm_loss, mse, unedited_loss, lr, ...)
 * @param checkpointChoice per task: accuracy on the align split of each checkpoint's fused model (x = step)
 * @param bestStep        per task: the chosen checkpoint
 * @param stepsAblation   per task: test accuracy of LaTen runs with 2/4/8/16 alignment steps (x = steps)
 * @param rateSweep       per task: test accuracy of the chosen checkpoint fused at rates 0.1…1.0 (x = rate)
 * @param totalSeconds    wall time of the whole demo
 * @param processPeakRss  the JVM's peak resident set over the whole demo (bytes; -1 when unknown)
 */
public record DemoResults(Map<String, Object> settings, List<String> tasks, List<Row> rows,
                          Map<String, List<Map<String, Object>>> latenLog, Map<String, List<Point>> checkpointChoice,
                          Map<String, Integer> bestStep, Map<String, List<Point>> stepsAblation, Map<String, List<Point>> rateSweep,
                          double totalSeconds, long processPeakRss) {

    public static final String FORMAT = "pkt4j.demo/1";

    /**
     * One method.
     *
     * @param method          short name: target, direct, lora, postpkt, laten, source
     * @param label           the table's row label
     * @param accuracy        per task, on the test split
     * @param n               per task, the number of test examples scored
     * @param average         mean of the task accuracies
     * @param letterAccuracy  per multiple-choice task, the accuracy with the standard letter scoring (the table's
     *                        knowledge column uses the cloze formulation)
     * @param transferSeconds per task, wall time of the transfer (training, fusing; 0 for the plain models)
     * @param evalSeconds     per task, wall time of the test evaluation
     * @param peakBytes       peak Java heap during the row + mapped weight files (see {@link ResourceMeter})
     * @param examplesUsed    per task, training examples the method read (0 for the plain models)
     * @param note            how the row was produced
     */
    public record Row(String method, String label, Map<String, Double> accuracy, Map<String, Integer> n, double average,
                      Map<String, Double> letterAccuracy, Map<String, Double> transferSeconds, Map<String, Double> evalSeconds, long peakBytes,
                      Map<String, Integer> examplesUsed, String note) {

        public double totalTransferSeconds() {
            return transferSeconds.values().stream().mapToDouble(Double::doubleValue).sum();
        }
    }

    /** A point of a curve: x (step, steps or rate) and an accuracy over n examples. */
    public record Point(double x, double accuracy, int n) {
    }
}
