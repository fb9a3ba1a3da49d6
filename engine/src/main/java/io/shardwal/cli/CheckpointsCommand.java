package io.shardwal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.checkpoint.CheckpointLog;
import io.shardwal.wal.ShardedWal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code shardwal checkpoints DIR [--positions]}: lists the checkpoints of a log, read-only. */
@Command(name = "checkpoints", mixinStandardHelpOptions = true, header = "List the checkpoints of a log.",
    description = "Lists the checkpoints of a log, oldest first (read-only; works while a writer appends).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:listed", "1:checkpoints.log is damaged (the damaged entries are named)",
        "2:bad arguments", "3:could not run (missing or foreign directory, I/O error)"})
final class CheckpointsCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The log's directory.")
    Path directory;

    @Option(names = "--positions", description = "Also print every checkpoint's position in each shard.")
    boolean positions;

    @Override
    public Integer call() throws IOException
    {
        final PrintWriter out = spec.commandLine().getOut();
        final List<Checkpoint> checkpoints;
        final List<CheckpointLog.Problem> problems;
        try (ShardedWal wal = LogDirectory.openReadOnly(directory);
            CheckpointLog log = CheckpointLog.open(directory, wal.shardCount(), false))
        {
            checkpoints = log.list();
            problems = log.problems();
        }
        if (checkpoints.isEmpty())
        {
            out.println("no checkpoints in " + directory);
        }
        else
        {
            list(checkpoints, out);
        }
        return problems(problems, out);
    }

    private void list(final List<Checkpoint> checkpoints, final PrintWriter out)
    {
        final Table table = new Table("#", "id", "created (UTC)", "bytes below", "log offset")
            .leftAligned(1, 2);
        int number = 0;
        for (final Checkpoint checkpoint : checkpoints)
        {
            long total = 0;
            for (final long position : checkpoint.positions())
            {
                total += position;
            }
            table.row(++number, checkpoint.idText(), Units.timestamp(checkpoint.timestampNanos()),
                Units.bytes(total), checkpoint.logOffset());
        }
        table.print(out, "");
        if (positions)
        {
            for (final Checkpoint checkpoint : checkpoints)
            {
                final StringBuilder line = new StringBuilder(checkpoint.idText()).append(':');
                for (int shard = 0; shard < checkpoint.shardCount(); shard++)
                {
                    line.append(' ').append(shard).append('=').append(checkpoint.position(shard));
                }
                out.println(line);
            }
        }
        out.println(checkpoints.size() + " checkpoint" + (checkpoints.size() == 1 ? "" : "s") + "; latest: "
            + checkpoints.getLast().idText());
    }

    /**
     * Names every problem of {@code checkpoints.log}, as {@code verify} does. While a live writer holds the log, a
     * torn tail may be a checkpoint being appended: listed, not counted.
     *
     * @return the exit code: 1 if anything is damaged.
     */
    private int problems(final List<CheckpointLog.Problem> problems, final PrintWriter out)
    {
        if (problems.isEmpty())
        {
            return 0;
        }
        final boolean live = LogDirectory.lockHolder(directory) != null;
        int damage = 0;
        for (final CheckpointLog.Problem problem : problems)
        {
            final boolean inFlight = live && problem.kind().equals("TORN_TAIL");
            damage += inFlight ? 0 : 1;
            out.println(VerifyCommand.describe(new LogVerifier.Finding(LogVerifier.LOG, CheckpointLog.FILE_NAME,
                problem.offset(), problem.offset(), problem.bytes(), problem.kind(), problem.detail(), inFlight)));
        }
        if (damage == 0)
        {
            return 0;
        }
        out.println(CheckpointLog.FILE_NAME + " is damaged: " + damage + " problem" + (damage == 1 ? "" : "s")
            + " (the list above leaves out what cannot be read; run 'shardwal verify' for the whole log)");
        return CliFailure.DATA_PROBLEM;
    }
}
