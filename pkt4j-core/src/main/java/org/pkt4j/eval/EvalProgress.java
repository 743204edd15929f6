package org.pkt4j.eval;

/** Receives progress as examples finish (from worker threads, one call at a time, counts increasing). */
@FunctionalInterface
public interface EvalProgress {
    EvalProgress NONE = (done, total, correct, seconds) -> { };

    /**
     * @param done    examples finished so far
     * @param total   examples in the run
     * @param correct of those, answered right
     * @param seconds wall time since the evaluation began
     */
    void update(int done, int total, int correct, double seconds);
}
