package org.pkt4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "laten", mixinStandardHelpOptions = true,
        description = "LaTen (Pre-Align PKT): train the hypernetwork that aligns located source parameters to the target, "
                + "then fuse the aligned knowledge into the target.",
        subcommands = {LatenTrainCommand.class, LatenFuseCommand.class})
final class LatenCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }
}
