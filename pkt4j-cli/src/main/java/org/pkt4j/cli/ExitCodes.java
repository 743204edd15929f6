package org.pkt4j.cli;

/** The CLI contract's exit codes. */
final class ExitCodes {
    private ExitCodes() {
    }

    static final int OK = 0;
    static final int RUNTIME = 1;
    static final int USAGE = 2;
}
