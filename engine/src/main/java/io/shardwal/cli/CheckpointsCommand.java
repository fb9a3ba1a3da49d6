package io.shardwal.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import io.shardwal.checkpoint.Checkpoint;
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
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        try (ShardedWal wal = LogDirectory.openReadOnly(directory))
        {
            final List<Checkpoint> checkpoints = wal.listCheckpoints();
            if (checkpoints.isEmpty())
            {
                out.println("no checkpoints in " + directory);
                return 0;
            }
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
        return 0;
    }
}
