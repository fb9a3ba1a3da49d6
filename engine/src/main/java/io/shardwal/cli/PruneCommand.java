package io.shardwal.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Callable;

import io.shardwal.index.ShardedIndex;
import io.shardwal.ingest.Ingest;
import io.shardwal.ingest.IngestOptions;
import io.shardwal.ingest.IngestPruneResult;
import io.shardwal.ingest.IngestReplay;
import io.shardwal.wal.PruneGuard;
import io.shardwal.wal.PruneResult;
import io.shardwal.wal.ShardedWal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code shardwal prune DIR --before ID [--ingest]}: deletes whole segments below a checkpoint. */
@Command(name = "prune", mixinStandardHelpOptions = true, header = "Delete whole segments below a checkpoint.",
    description = {"Deletes, in every shard, the whole segment files that lie below checkpoint ID (never the active "
        + "segment). Records below the checkpoint in a segment that also holds later ones stay. Opens the log for "
        + "writing, so it is refused while a live writer holds the log.",
        "A log the ingest front end writes defines each series once: prune it with --ingest, which rebuilds the "
            + "series index from the log and writes the definitions held by the segments to delete again first, so "
            + "no later sample loses its series. Opening the ingest on a log marks it (file prune.guard), and a prune "
            + "without --ingest of a marked log is refused."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:pruned (possibly nothing)", "1:the log is damaged",
        "2:bad arguments (also: a plain prune of an ingest log, which needs --ingest)",
        "3:could not run (missing or foreign directory, unknown checkpoint, locked by a live writer, I/O error, "
            + "with --ingest a record the ingest did not write or a log another owner guards)"})
final class PruneCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @ParentCommand
    ShardwalCli cli;

    @Parameters(index = "0", paramLabel = "DIR", description = "The log's directory.")
    Path directory;

    @Option(names = "--before", paramLabel = "ID", required = true, description = "The checkpoint to prune below.")
    String before;

    @Option(names = "--ingest", description = "The log holds ingest records: carry the series definitions of the "
        + "deleted segments forward (as Ingest.pruneBefore does).")
    boolean ingest;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        try (ShardedWal wal = LogDirectory.openForAdministration(directory))
        {
            wal.loadCheckpoint(before);
            final PruneResult result;
            if (ingest)
            {
                final IngestPruneResult carried = pruneIngestLog(wal);
                result = carried.pruned();
                out.println("wrote " + carried.definitionsCarried() + " series definition"
                    + (carried.definitionsCarried() == 1 ? "" : "s") + " of the segments to delete again");
            }
            else
            {
                refuseGuarded();
                result = wal.pruneBefore(before.getBytes(StandardCharsets.UTF_8));
            }
            out.println("pruned " + result.segments() + " segment file" + (result.segments() == 1 ? "" : "s") + " ("
                + Units.bytes(result.bytes()) + ") below checkpoint " + before);
        }
        return 0;
    }

    /** A plain prune of a guarded log (one the ingest writes) is a usage error: the remedy is {@code --ingest}. */
    private void refuseGuarded()
    {
        final Optional<PruneGuard> guard = PruneGuard.read(directory);
        if (guard.isPresent())
        {
            final boolean ingestLog = guard.get().owner().equals(Ingest.GUARD_OWNER);
            throw new CliFailure(CliFailure.USAGE, directory + " is " + (ingestLog ? "an ingest log"
                : "guarded by \"" + guard.get().owner() + "\"") + " (" + PruneGuard.FILE_NAME + "): "
                + (ingestLog ? "prune it with --ingest, which writes the series definitions of the segments to "
                + "delete again first" : guard.get().instruction()) + "; nothing was deleted");
        }
    }

    /**
     * Rebuilds the index from the log's definitions (FORMAT error for a record ingest did not write), with progress
     * on stderr when that takes long, and prunes through it.
     */
    private IngestPruneResult pruneIngestLog(final ShardedWal wal)
    {
        try (ShardedIndex index = ShardedIndex.withShards(1))
        {
            final long[] ends = new long[wal.shardCount()];
            Arrays.setAll(ends, wal::committedPosition);
            ProgressWalk.walk(wal, ends, spec.commandLine().getErr(), cli.terminal(), "reading series definitions",
                shard -> record -> IngestReplay.define(record, index));
            try (Ingest front = Ingest.open(wal, index, IngestOptions.builder().build()))
            {
                return front.pruneBefore(before);
            }
        }
    }
}
