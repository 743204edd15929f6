package org.pkt4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import org.pkt4j.cli.report.DemoReport;
import org.pkt4j.demo.DemoExperiment;
import org.pkt4j.demo.DemoResults;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the paper's comparison end to end on the bundled demo model pair (models/demo): the target as is, "
                + "direct injection, LoRA fine-tuning on the same examples, Post-Align PKT, LaTen and the source, on the held-out "
                + "test splits of the two demo tasks, plus LaTen's alignment-step ablation and transfer-rate sweep.",
                "Writes DIR/report.md, DIR/report.html (table and plots) and DIR/results.json; every intermediate run and model "
                        + "stays under DIR/runs/."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--out", paramLabel = "DIR", description = "output directory (default: pkt-demo-<date>-<time> in the current directory)")
    Path out;

    @Option(names = "--quick", description = "fewer evaluation examples and fine-tuning epochs (about 2 minutes; stated in the report)")
    boolean quick;

    @Option(names = "--models", paramLabel = "DIR", description = "the demo directory (default: models/demo of this pkt4j checkout)")
    Path models;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "evaluation sampling, example draws and data order (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--force", description = "replace --out if it exists")
    boolean force;

    @Mixin
    Threads threads;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        var stdout = spec.commandLine().getOut();
        Path dir = out != null ? out : Path.of("pkt-demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Path demo = models != null ? models : defaultModels();
        err.println("pkt demo: " + (quick ? "quick" : "full") + " run on " + demo + " -> " + dir);
        DemoResults results = DemoExperiment.run(new DemoExperiment.Options(demo, dir, quick, seed, Version.get(), force),
                threads.context(), line -> err.println(line));
        DemoReport report = new DemoReport(results);
        report.write(dir);
        stdout.println();
        stdout.print(report.table());
        stdout.println();
        stdout.print(report.findings());
        stdout.println();
        stdout.println("report: " + dir.resolve("report.md") + ", " + dir.resolve("report.html") + ", " + dir.resolve("results.json"));
        return ExitCodes.OK;
    }

    /** models/demo of the checkout the launcher runs from ({@code pkt4j.home}), else of the current directory. */
    private static Path defaultModels() {
        String home = System.getProperty("pkt4j.home");
        Path base = home != null ? Path.of(home) : Path.of("");
        Path p = base.resolve("models").resolve("demo");
        return Files.isDirectory(p) ? p : Path.of("models", "demo");
    }
}
