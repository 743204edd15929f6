package org.pkt4j.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code pkt} command: parse into an options record, validate, call one library method, print.
 * Exit codes: 0 success, 1 runtime error, 2 usage error; errors are one line on stderr.
 */
@Command(name = "pkt",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Parametric knowledge transfer between Llama-family models, in pure Java.",
        subcommands = {
            InfoCommand.class,
            ForwardCommand.class,
            GenerateCommand.class,
            ConvertCommand.class,
            TokenizeCommand.class,
            LocateCommand.class,
            FinetuneCommand.class,
            PretrainCommand.class,
            EvalCommand.class,
            PostpktCommand.class,
            SensitivityCommand.class,
            BenchCommand.class,
            LatenCommand.class,
            TransferCommand.class,
            DemoCommand.class,
            DemoDataCommand.class,
        })
public final class Main implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return ExitCodes.USAGE;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the CLI with the given streams (tests call this in-process). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new Main());
        PrintWriter o = new PrintWriter(out, true);
        PrintWriter e = new PrintWriter(err, true);
        cl.setOut(o);
        cl.setErr(e);
        cl.setParameterExceptionHandler(Errors::onUsageError);
        cl.setExecutionExceptionHandler(Errors::onExecutionError);
        int code = cl.execute(args);
        o.flush();
        e.flush();
        return code;
    }
}
