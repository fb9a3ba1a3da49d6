package io.shardwal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.checkpoint.CheckpointLog;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.PruneGuard;
import io.shardwal.wal.ShardedWal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code shardwal inspect DIR}: what a log is made of, read-only. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    header = "Show manifest, writer, checkpoints, shards and segment files.",
    description = {"Shows a log's manifest, its writer (the process holding the lock, if one is live), its "
        + "checkpoints, and per shard the segment files with their base position, bytes used and state, and the "
        + "first and committed positions. Read-only: works while a writer appends."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:shown", "1:a segment file is damaged (named)", "2:bad arguments",
        "3:could not run (missing or foreign directory, a file cut short or not a segment, I/O error)"})
final class InspectCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The log's directory.")
    Path directory;

    /** One segment file as inspect shows it. */
    record SegmentInfo(String file, long base, long used, long capacity, String state)
    {
    }

    /** The owner a guarded log is pruned through (an ingest log's), or why none can prune it; nothing if unguarded. */
    private void pruneGuard(final PrintWriter out)
    {
        try
        {
            PruneGuard.read(directory).ifPresent(guard -> out.println("prunes       only through its owner \""
                + guard.owner() + "\" (" + PruneGuard.FILE_NAME + "): " + guard.instruction()));
        }
        catch (final ShardwalException e)
        {
            out.println("prunes       refused: " + LogDirectory.describe(e) + " (see 'shardwal verify')");
        }
    }

    @Override
    public Integer call() throws IOException
    {
        final PrintWriter out = spec.commandLine().getOut();
        try (ShardedWal wal = LogDirectory.openReadOnly(directory))
        {
            out.println("log          " + directory.toAbsolutePath().normalize());
            final StringBuilder manifest = new StringBuilder();
            for (final Map.Entry<String, String> entry : LogDirectory.manifest(directory).entrySet())
            {
                manifest.append(manifest.isEmpty() ? "" : " ").append(entry.getKey()).append('=')
                    .append(entry.getValue());
            }
            out.println("manifest     " + manifest + " (" + Units.bytes(wal.options().segmentSize())
                + " segments)");
            final String holder = LogDirectory.lockHolder(directory);
            out.println("writer       " + (holder != null ? "live: " + holder
                : "none; the last writer " + LogDirectory.previousStop(directory)));
            pruneGuard(out);
            checkpoints(wal, out);
            out.println();
            final List<List<SegmentInfo>> segments = new ArrayList<>();
            for (int shard = 0; shard < wal.shardCount(); shard++)
            {
                segments.add(segments(shard));
            }
            shards(wal, segments, out);
            out.println();
            final Table files = new Table("segment file", "base", "used", "state").leftAligned(3);
            for (final List<SegmentInfo> shard : segments)
            {
                for (final SegmentInfo segment : shard)
                {
                    files.row(segment.file(), segment.base(), Units.bytes(segment.used()), segment.state());
                }
            }
            files.print(out, "");
        }
        return 0;
    }

    private void checkpoints(final ShardedWal wal, final PrintWriter out) throws IOException
    {
        final List<Checkpoint> checkpoints;
        final List<CheckpointLog.Problem> problems;
        try (CheckpointLog log = CheckpointLog.open(directory, wal.shardCount(), false))
        {
            checkpoints = log.list();
            problems = log.problems();
        }
        // The count is of the entries that can be read: say so when some cannot.
        final String damage = problems.isEmpty() ? "" : "; " + CheckpointLog.FILE_NAME + " has " + problems.size()
            + " problem" + (problems.size() == 1 ? "" : "s") + ": " + problems.getFirst().kind() + " at offset "
            + problems.getFirst().offset() + (problems.size() > 1 ? ", …" : "") + " (run 'shardwal verify')";
        if (checkpoints.isEmpty())
        {
            out.println("checkpoints  none" + damage);
            return;
        }
        final Checkpoint latest = checkpoints.getLast();
        final Path head = directory.resolve(LogDirectory.HEAD);
        final String headNote = Files.exists(head) ? "" : "; HEAD is missing (the next writer rewrites it)";
        out.println("checkpoints  " + checkpoints.size() + "; latest " + latest.idText() + " created "
            + Units.timestamp(latest.timestampNanos()) + headNote + damage);
    }

    private void shards(final ShardedWal wal, final List<List<SegmentInfo>> segments, final PrintWriter out)
    {
        final Checkpoint latest = wal.loadLatestCheckpoint().orElse(null);
        final Table table = latest == null ? new Table("shard", "segments", "first", "committed", "on disk")
            : new Table("shard", "segments", "first", "committed", "checkpoint", "on disk");
        long totalDisk = 0;
        for (int shard = 0; shard < wal.shardCount(); shard++)
        {
            long disk = 0;
            for (final Path file : LogDirectory.shardFiles(directory, shard))
            {
                disk += sizeOf(file);
            }
            totalDisk += disk;
            if (latest == null)
            {
                table.row(shard, segments.get(shard).size(), wal.firstPosition(shard), wal.committedPosition(shard),
                    Units.bytes(disk));
            }
            else
            {
                table.row(shard, segments.get(shard).size(), wal.firstPosition(shard), wal.committedPosition(shard),
                    latest.position(shard), Units.bytes(disk));
            }
        }
        table.print(out, "");
        out.println("on disk in all shards: " + Units.bytes(totalDisk));
    }

    /** The segment files of a shard with their state, from their headers' tail counters. */
    private List<SegmentInfo> segments(final int shard)
    {
        final List<long[]> found = new ArrayList<>();
        final List<Path> files = new ArrayList<>();
        for (final Path file : LogDirectory.shardFiles(directory, shard))
        {
            final long base = LogDirectory.parseBase(file.getFileName().toString());
            if (base < 0)
            {
                continue;
            }
            try (MappedSegment segment = MappedSegment.openReadOnly(file))
            {
                found.add(new long[] {base, segment.claimedLimit(), segment.capacity()});
                files.add(file);
            }
            catch (final IOException e)
            {
                throw CliFailure.cannotRun("cannot read " + file + ": " + e.getMessage(), e);
            }
            // An engine exception goes to the CLI's handler: CORRUPT exits 1, every other category 3.
        }
        int newest = -1;
        for (int i = 0; i < found.size(); i++)
        {
            newest = found.get(i)[1] > 0 ? i : newest;
        }
        final List<SegmentInfo> segments = new ArrayList<>();
        for (int i = 0; i < found.size(); i++)
        {
            final long[] segment = found.get(i);
            final String state = i < newest || segment[1] >= segment[2] ? "full"
                : i == newest || (newest < 0 && i == 0) ? "active" : "prepared";
            segments.add(new SegmentInfo(LogDirectory.segmentPath(shard, segment[0]), segment[0], segment[1],
                segment[2], state));
        }
        return segments;
    }

    private static long sizeOf(final Path file)
    {
        try
        {
            return Files.size(file);
        }
        catch (final IOException e)
        {
            return 0;
        }
    }
}
