package org.pkt4j.train;

/**
 * Training produced a non-finite loss or gradient. The message says where and names the last good
 * checkpoint (the state before the failing step), from which a run can resume with other settings.
 */
public final class TrainingDivergedException extends IllegalStateException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
