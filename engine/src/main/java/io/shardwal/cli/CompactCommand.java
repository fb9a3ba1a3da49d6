package io.shardwal.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.shardwal.checkpoint.CheckpointLog;
import io.shardwal.wal.ShardedWal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code shardwal compact DIR --keep N}: rewrites checkpoints.log keeping its newest N entries. */
@Command(name = "compact", mixinStandardHelpOptions = true,
    header = "Keep only the newest N checkpoints in checkpoints.log.",
    description = {"Rewrites checkpoints.log keeping its newest N checkpoints (atomically: a crash leaves the old or "
        + "the new log). Opens the log for writing, so it is refused while a live writer holds the log."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:compacted", "1:the log is damaged", "2:bad arguments",
        "3:could not run (missing or foreign directory, locked by a live writer, I/O error)"})
final class CompactCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The log's directory.")
    Path directory;

    @Option(names = "--keep", paramLabel = "N", required = true, description = "How many checkpoints to keep (>= 1).")
    int keep;

    @Override
    public Integer call()
    {
        if (keep < 1)
        {
            throw new ParameterException(spec.commandLine(), "--keep must be at least 1 (the latest checkpoint is "
                + "where recovery starts), not " + keep);
        }
        final PrintWriter out = spec.commandLine().getOut();
        try (ShardedWal wal = LogDirectory.openForAdministration(directory))
        {
            final CheckpointLog.Compaction result = wal.compactCheckpoints(keep);
            out.println("kept " + result.after() + " of " + result.before() + " checkpoints; " + CheckpointLog.FILE_NAME
                + " " + Units.bytes(result.bytesBefore()) + " -> " + Units.bytes(result.bytesAfter()));
        }
        return 0;
    }
}
