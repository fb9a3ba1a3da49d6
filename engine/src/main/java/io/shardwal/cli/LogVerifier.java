package io.shardwal.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.checkpoint.CheckpointLog;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.ParallelWork;
import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.LogFiles;
import io.shardwal.wal.PruneGuard;
import io.shardwal.wal.ShardedWal;

/**
 * The read-only check behind {@code shardwal verify}: the manifest, every segment file of every shard (header,
 * chain, and every frame from offset 0 with the same walk recovery uses, in VERIFY mode), {@code checkpoints.log},
 * HEAD, the prune guard if there is one, and whether every checkpoint lies within the data. Maps everything
 * read-only and writes nothing, and maps one segment file at a time per thread, so that a log of any number of
 * segments can be checked. Shards are checked in parallel on up to {@code threads} threads; findings are listed in
 * shard order whatever order the shards finish in.
 *
 * <p>Not thread-safe; one verifier per run.
 */
final class LogVerifier
{
    /** A shard's directory: {@code shard_} and its number, two digits at least. */
    private static final Pattern SHARD_DIRECTORY = Pattern.compile("shard_(\\d{2,9})");

    /** The pseudo-shard of findings about the whole log (manifest, checkpoints). */
    static final int LOG = -1;

    /**
     * One problem. {@code position} is a shard position for segment findings, a file offset for the others;
     * {@code fileOffset} is the byte offset in {@code file} (-1 if none). {@code inFlight} marks a finding at the
     * live end of a shard that a writer holding the log may still be writing: listed, not counted as damage.
     */
    record Finding(int shard, String file, long position, long fileOffset, long length, String kind, String detail,
        boolean inFlight)
    {
    }

    /** Totals of a run. */
    record Summary(int shards, int segments, long records, long frameBytes, int checkpoints)
    {
    }

    /**
     * Told the bytes of segment files there are to scan, then the bytes of each one as it has been scanned (by the
     * threads checking shards, at once).
     */
    interface Progress
    {
        void total(long bytes);

        void scanned(long bytes);
    }

    private final Path directory;
    private final boolean live;
    private final Progress progress;
    private final int threads;
    private final List<Finding> findings = new ArrayList<>();
    private int segmentCount;
    private long records;
    private long frameBytes;
    private int checkpointCount;
    private final AtomicInteger openMappings = new AtomicInteger();
    private final AtomicInteger maxOpenMappings = new AtomicInteger();

    LogVerifier(final Path directory, final boolean live, final Progress progress, final int threads)
    {
        if (threads < 1)
        {
            throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        }
        this.directory = directory;
        this.live = live;
        this.progress = progress;
        this.threads = threads;
    }

    List<Finding> findings()
    {
        return findings;
    }

    /** Segment mappings open right now: 0 whenever {@link #run()} has returned or thrown. For tests. */
    int openMappings()
    {
        return openMappings.get();
    }

    /** The most segment mappings that were ever open at once during {@link #run()}. For tests. */
    int maxOpenMappings()
    {
        return maxOpenMappings.get();
    }

    /**
     * Whether segments are scanned to their end, as the next writer's recovery will: after a crash in an earlier
     * boot, and when {@code LOCK} stays damaged (a BAD_LOCK finding), which that writer takes for one.
     */
    private boolean possibleOsCrash()
    {
        final String[] damage = new String[1];
        final LogFiles.LastWriter writer = LogDirectory.lastWriterOrNull(directory, damage);
        if (writer == null)
        {
            findings.add(new Finding(LOG, LogDirectory.LOCK, 0, -1, 0, "BAD_LOCK", damage[0]
                + "; the next writer takes the last stop for a possible OS crash and rewrites it", false));
            return true;
        }
        return writer.stop() == LogFiles.LastStop.POSSIBLE_OS_CRASH && !writer.fields().isEmpty();
    }

    /** Runs every check; returns the totals. Findings are in {@link #findings()}. */
    Summary run() throws IOException
    {
        int shards;
        long segmentSize;
        try
        {
            final Map<String, String> manifest = LogDirectory.manifest(directory);
            shards = intValue(manifest, "shards");
            segmentSize = longValue(manifest, "segmentSize");
            checkManifest();
        }
        catch (final ShardwalException e)
        {
            if (e.category() != ShardwalException.Category.CORRUPT)
            {
                throw e; // not damage: e.g. a format version this tool does not know
            }
            // The shard count and segment size the files show stand in for the manifest's: every other check still
            // runs, and the segments' own headers are checked against them.
            final long[] layout = layoutOnDisk();
            shards = layout == null ? 0 : (int)layout[0];
            segmentSize = layout == null ? 0 : layout[1];
            findings.add(new Finding(LOG, LogDirectory.MANIFEST, 0, -1, 0, "MANIFEST_" + e.category(),
                LogDirectory.describe(e) + (layout == null ? "; the files show no shard layout either, so nothing "
                + "else was checked" : "; the rest was checked with the layout the files show: " + shards
                + " shards of " + segmentSize + "-byte segments"), false));
            if (layout == null)
            {
                return new Summary(0, 0, 0, 0, 0);
            }
        }
        checkPruneGuard();
        if (shards <= 0 || segmentSize <= 0)
        {
            return new Summary(0, 0, 0, 0, 0);
        }
        final List<Checkpoint> checkpoints = checkpoints(shards);
        final boolean wholeRemainder = !live && possibleOsCrash();
        final long[] validEnds = new long[shards];
        final long[] firstBases = new long[shards];
        final boolean[] empty = new boolean[shards];
        long total = 0;
        for (int shard = 0; shard < shards; shard++)
        {
            for (final Path file : LogDirectory.shardFiles(directory, shard))
            {
                total += LogDirectory.parseBase(file.getFileName().toString()) >= 0 ? sizeOf(file) : 0;
            }
        }
        progress.total(total);
        final ShardScan[] scans = new ShardScan[shards];
        for (int shard = 0; shard < shards; shard++)
        {
            scans[shard] = new ShardScan(directory, live, progress, openMappings, maxOpenMappings, shard, segmentSize,
                wholeRemainder);
        }
        // Every scan has ended when this returns or throws; findings are merged in shard order below
        ParallelWork.run(shards, threads, "shardwal-verify", shard -> scans[shard].run());
        for (final ShardScan scan : scans)
        {
            findings.addAll(scan.found);
            segmentCount += scan.segments;
            records += scan.records;
            frameBytes += scan.frameBytes;
            validEnds[scan.shard] = scan.validEnd;
            firstBases[scan.shard] = scan.firstBase;
            empty[scan.shard] = scan.bases.isEmpty();
        }
        checkChainStarts(checkpoints, segmentSize, firstBases, empty);
        for (final Checkpoint checkpoint : checkpoints)
        {
            for (int shard = 0; shard < shards; shard++)
            {
                final long position = checkpoint.position(shard);
                if (position > validEnds[shard] && position > firstBases[shard])
                {
                    findings.add(new Finding(LOG, CheckpointLog.FILE_NAME, checkpoint.logOffset(),
                        checkpoint.logOffset(), 0, "CHECKPOINT_BEYOND_DATA", "checkpoint " + checkpoint.idText()
                        + " puts shard " + shard + " at position " + position + " but its valid data ends at "
                        + validEnds[shard] + ": acknowledged records are missing", false));
                }
            }
        }
        return new Summary(shards, segmentCount, records, frameBytes, checkpointCount);
    }

    /**
     * Only pruning deletes segments, and only those wholly below a checkpoint, so every shard keeps a segment file
     * and its chain starts at 0 or at most at the latest checkpoint's position. Anything else lost records. (While a
     * writer is live it may checkpoint and prune during the check: such findings are only "in flight?".)
     */
    private void checkChainStarts(final List<Checkpoint> checkpoints, final long segmentSize, final long[] firstBases,
        final boolean[] empty)
    {
        final Checkpoint latest = checkpoints.isEmpty() ? null : checkpoints.getLast();
        boolean anyFiles = false;
        for (final boolean none : empty)
        {
            anyFiles |= !none;
        }
        for (int shard = 0; shard < firstBases.length; shard++)
        {
            final String file = String.format("shard_%02d/%s", shard, LogDirectory.segmentName(0));
            if (empty[shard] && anyFiles)
            {
                findings.add(new Finding(shard, file, 0, -1, 0, "MISSING_SEGMENT", "the shard has no segment file "
                    + "(" + LogDirectory.shardDirectory(directory, shard).getFileName() + " is missing or empty) while "
                    + "other shards have theirs: whatever it held is gone", live));
                continue;
            }
            final long floor = latest == null ? 0 : latest.position(shard);
            if (firstBases[shard] > floor)
            {
                final long missing = floor - floor % segmentSize;
                findings.add(new Finding(shard, String.format("shard_%02d/%s", shard,
                    LogDirectory.segmentName(missing)), missing, -1, firstBases[shard] - missing, "MISSING_SEGMENT",
                    "positions [" + missing + ", " + firstBases[shard] + ") have no segment file, and pruning only "
                    + "deletes segments below a checkpoint (" + (latest == null ? "there is none"
                    : "the latest, " + latest.idText() + ", is at " + floor) + ")", live));
            }
        }
    }

    /**
     * With the manifest unreadable, the layout the files show: {shard count, segment size}. The shard count is one more
     * than the highest {@code shard_NN} directory, the segment size the capacity in the header of the first readable
     * segment file found. Null if there is no shard directory or no readable segment file.
     */
    private long[] layoutOnDisk() throws IOException
    {
        int shards = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, "shard_*"))
        {
            for (final Path entry : entries)
            {
                final Matcher name = SHARD_DIRECTORY.matcher(entry.getFileName().toString());
                if (name.matches() && Files.isDirectory(entry))
                {
                    shards = Math.max(shards, Integer.parseInt(name.group(1)) + 1);
                }
            }
        }
        for (int shard = 0; shard < shards; shard++)
        {
            for (final Path file : LogDirectory.shardFiles(directory, shard))
            {
                if (LogDirectory.parseBase(file.getFileName().toString()) < 0)
                {
                    continue;
                }
                try (MappedSegment segment = MappedSegment.openReadOnly(file))
                {
                    return new long[] {shards, segment.capacity()};
                }
                catch (final IOException | ShardwalException e)
                {
                    // an unreadable header: the scan of its shard reports it
                }
            }
        }
        return null;
    }

    /** The manifest's own checks (checksum, format, values), through a read-only open. */
    private void checkManifest()
    {
        try (ShardedWal wal = ShardedWal.openReadOnly(directory))
        {
            wal.shardCount();
        }
        catch (final ShardwalException e)
        {
            if (e.file() != null && e.file().getFileName().toString().equals(LogDirectory.MANIFEST))
            {
                findings.add(new Finding(LOG, LogDirectory.MANIFEST, 0, -1, 0, "MANIFEST_" + e.category(),
                    LogDirectory.describe(e), false));
            }
            // Other failures of the open (a broken segment chain, a damaged checkpoint log) are found, in full,
            // by the checks below.
        }
    }

    /** An unreadable prune guard is not taken as absent: every prune of the log is refused until it is repaired. */
    private void checkPruneGuard()
    {
        try
        {
            PruneGuard.read(directory);
        }
        catch (final ShardwalException e)
        {
            findings.add(new Finding(LOG, PruneGuard.FILE_NAME, 0, -1, 0, "PRUNE_GUARD_" + e.category(),
                LogDirectory.describe(e), false));
        }
    }

    private List<Checkpoint> checkpoints(final int shards) throws IOException
    {
        final List<Checkpoint> checkpoints;
        try (CheckpointLog log = CheckpointLog.open(directory, shards, false))
        {
            for (final CheckpointLog.Problem problem : log.problems())
            {
                findings.add(new Finding(LOG, CheckpointLog.FILE_NAME, problem.offset(), problem.offset(),
                    problem.bytes(), problem.kind(), problem.detail(), false));
            }
            checkpoints = log.list();
        }
        catch (final ShardwalException e)
        {
            findings.add(new Finding(LOG, CheckpointLog.FILE_NAME, Math.max(e.offset(), 0), e.offset(), 0,
                "CHECKPOINTS_" + e.category(), LogDirectory.describe(e), false));
            return List.of();
        }
        checkpointCount = checkpoints.size();
        checkHead(checkpoints);
        return checkpoints;
    }

    /** HEAD names the newest checkpoint ({@code [u16 LE length][id]}); anything else is reported. */
    private void checkHead(final List<Checkpoint> checkpoints) throws IOException
    {
        final CheckpointLog.Head head = CheckpointLog.readHead(directory);
        final long size = Files.exists(directory.resolve(LogDirectory.HEAD))
            ? Files.size(directory.resolve(LogDirectory.HEAD)) : 0;
        final String rewrites = " (the next writer rewrites HEAD)";
        if (head.id() == null && head.problem() == null)
        {
            if (!checkpoints.isEmpty())
            {
                findings.add(new Finding(LOG, LogDirectory.HEAD, 0, -1, 0, "STALE_HEAD", "HEAD is missing; the log "
                    + "holds " + checkpoints.size() + " checkpoints" + rewrites, live));
            }
            return;
        }
        if (head.id() == null)
        {
            findings.add(new Finding(LOG, LogDirectory.HEAD, 0, 0, size, "STALE_HEAD", head.problem() + rewrites,
                live));
            return;
        }
        if (checkpoints.isEmpty() || !Arrays.equals(checkpoints.getLast().id(), head.id()))
        {
            findings.add(new Finding(LOG, LogDirectory.HEAD, 0, 0, size, "STALE_HEAD", "HEAD names "
                + Checkpoint.idText(head.id()) + " but the newest checkpoint is "
                + (checkpoints.isEmpty() ? "none" : checkpoints.getLast().idText()) + rewrites, live));
        }
    }

    static long sizeOf(final Path file)
    {
        try
        {
            return Files.size(file);
        }
        catch (final IOException e)
        {
            return 0; // reported when the file is opened
        }
    }

    private static int intValue(final Map<String, String> manifest, final String key)
    {
        return (int)longValue(manifest, key);
    }

    private static long longValue(final Map<String, String> manifest, final String key)
    {
        try
        {
            return Long.parseLong(manifest.getOrDefault(key, "-1").strip());
        }
        catch (final NumberFormatException e)
        {
            return -1;
        }
    }
}
