package org.pkt4j.cli;

/** A usage mistake found after parsing (a flag's value out of range, flags that exclude each other): exit 2. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
