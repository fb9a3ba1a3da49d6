package io.shardwal.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.wal.ShardedWal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code shardwal checkpoint DIR ID}: creates a checkpoint in a log nobody is writing. */
@Command(name = "checkpoint", mixinStandardHelpOptions = true,
    header = "Create a checkpoint in a log nobody is writing.",
    description = {"Creates a checkpoint named ID: for every shard the committed position now, msynced, appended to "
        + "checkpoints.log. Opens the log for writing (recovering it if its last writer crashed), so it is refused "
        + "while a live writer holds the log."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:created", "1:the log is damaged", "2:bad arguments (e.g. the id exists already)",
        "3:could not run (missing or foreign directory, locked by a live writer, I/O error)"})
final class CheckpointCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The log's directory.")
    Path directory;

    @Parameters(index = "1", paramLabel = "ID", description = "The checkpoint's id (1 to 65535 bytes of UTF-8).")
    String id;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        try (ShardedWal wal = LogDirectory.openForAdministration(directory))
        {
            final Checkpoint checkpoint = wal.createCheckpoint(id);
            long total = 0;
            for (final long position : checkpoint.positions())
            {
                total += position;
            }
            out.println("checkpoint " + Checkpoint.idText(checkpoint.id()) + " created at "
                + Units.timestamp(checkpoint.timestampNanos()) + ": " + checkpoint.shardCount() + " shards, "
                + Units.bytes(total) + " below it; " + wal.checkpointCount() + " checkpoint"
                + (wal.checkpointCount() == 1 ? "" : "s") + " in the log");
        }
        return 0;
    }
}
