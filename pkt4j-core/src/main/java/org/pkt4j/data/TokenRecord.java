package org.pkt4j.data;

/**
 * A pre-tokenized JSONL record (for models without a tokenizer file and for exact experiments):
 * {@code input_ids} + {@code labels} (-100 = not scored) for training, or {@code context_ids} +
 * {@code target_id} for locate examples. Absent fields are null / -1.
 */
public record TokenRecord(int[] inputIds, int[] labels, int[] contextIds, int targetId, int line) {

    public boolean isTraining() {
        return inputIds != null;
    }

    public boolean isLocate() {
        return contextIds != null;
    }
}
