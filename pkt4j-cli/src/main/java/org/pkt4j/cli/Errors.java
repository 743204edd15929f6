package org.pkt4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Turns failures into the one-line messages of the CLI contract: usage errors exit 2, everything else 1.
 * A stack trace is printed only for an unexpected internal error and only with {@code PKT4J_DEBUG=1}.
 */
final class Errors {
    private Errors() {
    }

    static int onUsageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        cl.getErr().println("pkt: " + oneLine(ex.getMessage()));
        cl.getErr().println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for usage.");
        return ExitCodes.USAGE;
    }

    static int onExecutionError(Exception ex, CommandLine cl, ParseResult parsed) {
        Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        if (t instanceof UsageException) {
            cl.getErr().println("pkt: " + oneLine(t.getMessage()));
            cl.getErr().println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for usage.");
            return ExitCodes.USAGE;
        }
        cl.getErr().println("pkt: " + describe(t));
        if ("1".equals(System.getenv("PKT4J_DEBUG")) && !expected(t)) {
            t.printStackTrace(cl.getErr());
        }
        return ExitCodes.RUNTIME;
    }

    static String describe(Throwable t) {
        if (t instanceof NoSuchFileException e) {
            return e.getFile() + ": " + (e.getReason() != null ? e.getReason() : "no such file or directory");
        }
        if (t instanceof FileAlreadyExistsException e) {
            return e.getFile() + ": " + (e.getReason() != null ? e.getReason() : "already exists; pass --force to overwrite it");
        }
        if (t instanceof AccessDeniedException e) {
            return e.getFile() + ": permission denied";
        }
        if (expected(t)) {
            return oneLine(t.getMessage());
        }
        return "internal error: " + t + " (rerun with PKT4J_DEBUG=1 for the stack trace)";
    }

    private static boolean expected(Throwable t) {
        return t instanceof IOException || t instanceof IllegalArgumentException || t instanceof IllegalStateException
                || t instanceof UnsupportedOperationException;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ').strip();
    }
}
