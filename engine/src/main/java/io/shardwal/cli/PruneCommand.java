package io.shardwal.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.shardwal.wal.PruneResult;
import io.shardwal.wal.ShardedWal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code shardwal prune DIR --before ID}: deletes whole segments below a checkpoint. */
@Command(name = "prune", mixinStandardHelpOptions = true, header = "Delete whole segments below a checkpoint.",
    description = {"Deletes, in every shard, the whole segment files that lie below checkpoint ID (never the active "
        + "segment). Records below the checkpoint in a segment that also holds later ones stay. Opens the log for "
        + "writing, so it is refused while a live writer holds the log."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:pruned (possibly nothing)", "1:the log is damaged", "2:bad arguments",
        "3:could not run (missing or foreign directory, unknown checkpoint, locked by a live writer, I/O error)"})
final class PruneCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The log's directory.")
    Path directory;

    @Option(names = "--before", paramLabel = "ID", required = true, description = "The checkpoint to prune below.")
    String before;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        try (ShardedWal wal = LogDirectory.openForAdministration(directory))
        {
            wal.loadCheckpoint(before);
            final PruneResult result = wal.pruneBefore(before.getBytes(StandardCharsets.UTF_8));
            out.println("pruned " + result.segments() + " segment file" + (result.segments() == 1 ? "" : "s") + " ("
                + Units.bytes(result.bytes()) + ") below checkpoint " + before);
        }
        return 0;
    }
}
