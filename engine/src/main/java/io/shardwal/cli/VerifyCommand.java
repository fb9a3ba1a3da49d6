package io.shardwal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code shardwal verify DIR}: a full read-only check of a log. */
@Command(name = "verify", mixinStandardHelpOptions = true,
    header = "Check every frame, segment and checkpoint read-only; list every problem.",
    description = {"Checks a whole log without changing a byte: the manifest, every segment file (header, chain, and "
        + "every frame's layout and CRC32C, with the same walk recovery uses), checkpoints.log and HEAD. Lists "
        + "every problem with its shard, segment file, position, file offset and reason.",
        "While a live writer holds the log, what lies at the very end of a shard may be appends in flight: such "
            + "findings are listed as 'in flight?' and do not count as damage."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:no damage found", "1:damage found (every problem is listed)", "2:bad arguments",
        "3:could not run (missing or foreign directory, I/O error)"})
final class VerifyCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @ParentCommand
    ShardwalCli cli;

    @Parameters(index = "0", paramLabel = "DIR", description = "The log's directory.")
    Path directory;

    /** The verifier's progress as a bar on stderr, once the check has taken {@link ProgressBar#longWorkNanos}. */
    private static final class BarProgress implements LogVerifier.Progress
    {
        private final PrintWriter err;
        private final boolean terminal;
        private ProgressBar bar;
        private long done;

        BarProgress(final PrintWriter err, final boolean terminal)
        {
            this.err = err;
            this.terminal = terminal;
        }

        @Override
        public synchronized void total(final long bytes)
        {
            bar = new ProgressBar(err, terminal, "verifying", bytes, ProgressBar.Unit.BYTES,
                ProgressBar.longWorkNanos);
        }

        @Override
        public synchronized void scanned(final long bytes)
        {
            done += bytes;
            bar.update(done);
        }

        synchronized void finish()
        {
            if (bar != null)
            {
                bar.finish(done);
            }
        }
    }

    @Override
    public Integer call() throws IOException
    {
        final PrintWriter out = spec.commandLine().getOut();
        LogDirectory.require(directory);
        final String holder = LogDirectory.lockHolder(directory);
        if (holder != null)
        {
            out.println("note: a live writer holds the log (" + holder + "); findings at the end of a shard may be "
                + "appends in flight");
        }
        final long started = System.nanoTime();
        final BarProgress progress = new BarProgress(spec.commandLine().getErr(), cli.terminal());
        final LogVerifier verifier = new LogVerifier(directory, holder != null, progress,
            Runtime.getRuntime().availableProcessors());
        final LogVerifier.Summary summary = verifier.run();
        progress.finish();
        int damage = 0;
        for (final LogVerifier.Finding finding : verifier.findings())
        {
            damage += finding.inFlight() ? 0 : 1;
            out.println(describe(finding));
        }
        final String totals = summary.shards() + " shards, " + summary.segments() + " segment files, "
            + Units.count(summary.records()) + " records, " + Units.bytes(summary.frameBytes()) + " of frames, "
            + summary.checkpoints() + " checkpoint" + (summary.checkpoints() == 1 ? "" : "s") + " in "
            + Units.seconds(System.nanoTime() - started);
        if (damage == 0)
        {
            out.println("verified " + directory + ": " + totals + ": no damage found");
            return 0;
        }
        out.println("verified " + directory + ": " + totals + ": " + damage + " problem" + (damage == 1 ? "" : "s")
            + " found");
        return CliFailure.DATA_PROBLEM;
    }

    /** One line: kind, where (shard, file, position, file offset, length), why. */
    static String describe(final LogVerifier.Finding finding)
    {
        final StringBuilder line = new StringBuilder(finding.inFlight() ? "in flight? " : "").append(finding.kind());
        if (finding.shard() != LogVerifier.LOG)
        {
            line.append(" shard ").append(finding.shard()).append(' ').append(finding.file()).append(" position ")
                .append(finding.position());
        }
        else
        {
            line.append(' ').append(finding.file()).append(" offset ").append(finding.position());
        }
        if (finding.shard() != LogVerifier.LOG && finding.fileOffset() >= 0)
        {
            line.append(" (file offset ").append(finding.fileOffset()).append(", ").append(finding.length())
                .append(" bytes)");
        }
        else if (finding.length() > 0)
        {
            line.append(" (").append(finding.length()).append(" bytes)");
        }
        return line.append(": ").append(finding.detail()).toString();
    }
}
