package io.shardwal.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.checkpoint.CheckpointLog;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.SegmentDescriptor;
import io.shardwal.mmap.SegmentScanner;
import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.LogFiles;
import io.shardwal.wal.PruneGuard;
import io.shardwal.wal.ShardedWal;

/**
 * The read-only check behind {@code shardwal verify}: the manifest, every segment file of every shard (header,
 * chain, and every frame from offset 0 with the same walk recovery uses, in VERIFY mode), {@code checkpoints.log},
 * HEAD, the prune guard if there is one, and whether every checkpoint lies within the data. Maps everything
 * read-only and writes nothing, and maps one segment file at a time, so that a log of any number of segments can be
 * checked.
 *
 * <p>Not thread-safe; one verifier per run.
 */
final class LogVerifier
{
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

    /** Told the bytes of segment files there are to scan, then the bytes of each one as it has been scanned. */
    interface Progress
    {
        void total(long bytes);

        void scanned(long bytes);
    }

    private final Path directory;
    private final boolean live;
    private final Progress progress;
    private final List<Finding> findings = new ArrayList<>();
    private int segmentCount;
    private long records;
    private long frameBytes;
    private int checkpointCount;
    private int openMappings;
    private int maxOpenMappings;

    LogVerifier(final Path directory, final boolean live, final Progress progress)
    {
        this.directory = directory;
        this.live = live;
        this.progress = progress;
    }

    List<Finding> findings()
    {
        return findings;
    }

    /** Segment mappings open right now: 0 whenever {@link #run()} has returned or thrown. For tests. */
    int openMappings()
    {
        return openMappings;
    }

    /** The most segment mappings that were ever open at once during {@link #run()}. For tests. */
    int maxOpenMappings()
    {
        return maxOpenMappings;
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
        final Map<String, String> manifest;
        try
        {
            manifest = LogDirectory.manifest(directory);
        }
        catch (final ShardwalException e)
        {
            if (e.category() != ShardwalException.Category.CORRUPT)
            {
                throw e; // not damage: e.g. a format version this tool does not know
            }
            // Without a trustworthy shard count and segment size nothing else can be checked.
            findings.add(new Finding(LOG, LogDirectory.MANIFEST, 0, -1, 0, "MANIFEST_" + e.category(),
                LogDirectory.describe(e) + "; nothing else was checked", false));
            return new Summary(0, 0, 0, 0, 0);
        }
        checkManifest();
        checkPruneGuard();
        final int shards = intValue(manifest, "shards");
        final long segmentSize = longValue(manifest, "segmentSize");
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
        for (int shard = 0; shard < shards; shard++)
        {
            final ShardScan scan = new ShardScan(shard, segmentSize, wholeRemainder);
            scan.run();
            validEnds[shard] = scan.validEnd;
            firstBases[shard] = scan.firstBase;
            empty[shard] = scan.bases.isEmpty();
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

    private static long sizeOf(final Path file)
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

    /** The check of one shard's directory. */
    private final class ShardScan
    {
        private final int shard;
        private final long segmentSize;
        private final boolean wholeRemainder;
        private final List<Long> bases = new ArrayList<>();
        private final List<Path> files = new ArrayList<>();
        long validEnd;
        long firstBase;

        ShardScan(final int shard, final long segmentSize, final boolean wholeRemainder)
        {
            this.shard = shard;
            this.segmentSize = segmentSize;
            this.wholeRemainder = wholeRemainder;
        }

        void run() throws IOException
        {
            for (final Path file : LogDirectory.shardFiles(directory, shard))
            {
                final String name = file.getFileName().toString();
                final long base = LogDirectory.parseBase(name);
                if (name.endsWith(LogDirectory.SEGMENT_SUFFIX + MappedSegment.CREATING_SUFFIX))
                {
                    // sizeOf: a live writer renames the file into place as soon as it is complete.
                    add(relative(name), 0, -1, sizeOf(file), "INTERRUPTED_CREATION", "a segment file whose "
                        + "creation did not finish (the next writer deletes it)", live);
                }
                else if (base >= 0)
                {
                    bases.add(base);
                    files.add(file);
                }
            }
            firstBase = bases.isEmpty() ? 0 : bases.getFirst();
            validEnd = firstBase;
            checkChain();
            // Two passes, each mapping one file at a time: which segment is the newest holding data decides how
            // every segment is scanned, and mapping a whole shard at once would run out of mappings
            // (vm.max_map_count) or address space on a log with thousands of segments.
            final boolean[] usable = new boolean[files.size()];
            final int last = newestWithData(usable);
            for (int i = 0; i < files.size(); i++)
            {
                if (usable[i])
                {
                    scan(i, last);
                }
            }
        }

        private void checkChain()
        {
            for (int i = 0; i < bases.size(); i++)
            {
                final long base = bases.get(i);
                if (base % segmentSize != 0)
                {
                    add(relative(LogDirectory.segmentName(base)), base, -1, 0, "BAD_SEGMENT_NAME", "the base "
                        + base + " is not a multiple of the segment size " + segmentSize, false);
                }
                if (i > 0 && base != bases.get(i - 1) + segmentSize)
                {
                    final long missing = bases.get(i - 1) + segmentSize;
                    add(relative(LogDirectory.segmentName(missing)), missing, -1, base - missing, "MISSING_SEGMENT",
                        "positions [" + missing + ", " + base + ") have no segment file", false);
                }
            }
        }

        /**
         * Maps segment {@code i} read-only, checking its header; null if it is unusable (with a finding) or, while a
         * writer is live, pruned. The caller owns the mapping and gives it back through {@link #release}.
         */
        private MappedSegment open(final int i) throws IOException
        {
            final long base = bases.get(i);
            final String file = relative(files.get(i).getFileName().toString());
            final MappedSegment segment;
            try
            {
                segment = MappedSegment.openReadOnly(files.get(i));
            }
            catch (final NoSuchFileException e)
            {
                if (!live)
                {
                    throw e;
                }
                // Pruned by the live writer since the shard was listed: its records lay below a checkpoint.
                return null;
            }
            catch (final ShardwalException e)
            {
                add(file, base, Math.max(e.offset(), 0), 0, "BAD_HEADER", LogDirectory.describe(e), false);
                return null;
            }
            openMappings++;
            maxOpenMappings = Math.max(maxOpenMappings, openMappings);
            if (segment.basePosition() != base || segment.capacity() != segmentSize || segment.ownerId() != shard)
            {
                add(file, base, 0, SegmentDescriptor.DATA_OFFSET, "BAD_HEADER", "the header says base "
                    + segment.basePosition() + ", capacity " + segment.capacity() + ", shard " + segment.ownerId()
                    + "; the file name and manifest say " + base + ", " + segmentSize + ", " + shard, false);
                release(segment);
                return null;
            }
            return segment;
        }

        private void release(final MappedSegment segment)
        {
            openMappings--;
            segment.close();
        }

        /**
         * The first pass: checks every header (listing the unusable files, marking the others in {@code usable})
         * and returns the index of the newest segment with claims (or, after a possible OS crash, any bytes); -1 if
         * none.
         */
        private int newestWithData(final boolean[] usable) throws IOException
        {
            int last = -1;
            for (int i = 0; i < files.size(); i++)
            {
                final MappedSegment segment = open(i);
                if (segment == null)
                {
                    progress.scanned(sizeOf(files.get(i)));
                    continue;
                }
                try
                {
                    usable[i] = true;
                    checkRolledInto(segment, i);
                    if (segment.tailAcquire() > 0)
                    {
                        last = i;
                    }
                    else if (wholeRemainder)
                    {
                        final SegmentScanner.Result probe = SegmentScanner.scan(segment, 0, true, true,
                            SegmentScanner.Mode.VERIFY);
                        last = probe.validEnd() > 0 || !probe.findings().isEmpty() ? i : last;
                    }
                }
                finally
                {
                    release(segment);
                }
            }
            return last;
        }

        /**
         * The rolled-into mark of segment {@code i}: 0, or the next segment's base once the writer moved on, which it
         * does only once that segment's file exists. Anything else is damage; a newest segment carrying the mark lost
         * its successor, and every record after it, to something else (read-only opens and recovery refuse it). The
         * disk is looked at again before that is said: a live writer may have rolled, or pruned, since the listing.
         */
        private void checkRolledInto(final MappedSegment segment, final int i)
        {
            final long mark = segment.rolledIntoAcquire();
            final long next = segment.endPosition();
            final String name = relative(files.get(i).getFileName().toString());
            if (mark != 0 && mark != next)
            {
                add(name, bases.get(i), SegmentDescriptor.ROLLED_INTO_OFFSET, 8, "BAD_HEADER", "the rolled-into "
                    + "mark is " + mark + ", neither 0 nor the next segment's base " + next + " (the next writer to "
                    + "roll sets it)", false);
                return;
            }
            final Path successor = files.get(i).resolveSibling(LogDirectory.segmentName(next));
            if (mark == next && i == files.size() - 1 && !Files.exists(successor) && Files.exists(files.get(i)))
            {
                add(relative(successor.getFileName().toString()), next, -1, 0, "MISSING_SEGMENT", "the newest "
                    + "segment " + name + " was rolled into it (the writer moves on only once the next file exists): "
                    + "positions [" + next + ", ...) are gone", false);
            }
        }

        /**
         * The second pass over segment {@code i}: walks it if it is at most the newest holding data
         * ({@code last}), else checks that the prepared segment is blank.
         */
        private void scan(final int i, final int last) throws IOException
        {
            final MappedSegment segment = open(i);
            if (segment == null)
            {
                // Its header passed the first pass and never changes: the live writer pruned it since. Pruning
                // takes only segments wholly below a checkpoint, so the shard's valid data reached its end.
                validEnd = i == last ? bases.get(i) + segmentSize : validEnd;
                progress.scanned(sizeOf(files.get(i)));
                return;
            }
            try
            {
                segmentCount++;
                final boolean prepared = i > last;
                final SegmentScanner.Result result = SegmentScanner.scan(segment, 0, i >= last,
                    wholeRemainder || prepared, SegmentScanner.Mode.VERIFY);
                records += result.records();
                frameBytes += result.validEnd();
                if (i == last)
                {
                    validEnd = segment.basePosition() + result.validEnd();
                }
                progress.scanned(sizeOf(segment.file()));
                for (final SegmentScanner.Finding finding : result.findings())
                {
                    final boolean atLiveEnd = live && i >= last && (finding.kind() == SegmentScanner.Kind.TORN_TAIL
                        || finding.kind() == SegmentScanner.Kind.DEAD_CLAIM
                        || finding.kind() == SegmentScanner.Kind.ZERO_GAP);
                    add(relative(segment.file().getFileName().toString()), finding.position(),
                        SegmentDescriptor.DATA_OFFSET + finding.position() - segment.basePosition(), finding.length(),
                        finding.kind().name(), finding.detail(), atLiveEnd);
                }
            }
            finally
            {
                release(segment);
            }
        }

        private String relative(final String name)
        {
            return String.format("shard_%02d/%s", shard, name);
        }

        private void add(final String file, final long position, final long fileOffset, final long length,
            final String kind, final String detail, final boolean inFlight)
        {
            findings.add(new Finding(shard, file, position, fileOffset, length, kind, detail, inFlight));
        }
    }
}
