package org.pkt4j.cli;

import org.pkt4j.tensor.ExecutionContext;
import picocli.CommandLine.Option;

/** The shared --threads option (default: all available processors). */
final class Threads {
    @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: available processors)")
    Integer threads;

    ExecutionContext context() {
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (n < 1 || n > 1024) {
            throw new UsageException("--threads: expected 1..1024, got " + n);
        }
        return ExecutionContext.of(n);
    }
}
