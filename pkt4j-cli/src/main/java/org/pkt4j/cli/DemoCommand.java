package org.pkt4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the paper's comparison end to end on the bundled demo model pair.")
final class DemoCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        err.println("pkt demo: not available yet. The demo needs the bundled demo model pair and the transfer "
                + "pipeline, which are still being built. What works today: pkt info, pkt forward (see 'pkt --help').");
        return ExitCodes.RUNTIME;
    }
}
