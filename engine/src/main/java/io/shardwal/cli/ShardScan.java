package io.shardwal.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.NewestSegment;
import io.shardwal.mmap.SegmentDescriptor;
import io.shardwal.mmap.SegmentScanner;
import io.shardwal.mmap.ShardwalException;

/**
 * The check of one shard's directory for {@link LogVerifier}: the chain of segment files, every header, and every frame
 * (VERIFY mode). What it finds and counts stays its own until the verifier merges all shards in shard order, so shards
 * can be checked on several threads at once. Maps one segment at a time.
 */
final class ShardScan
{
    private final Path directory;
    private final boolean live;
    private final LogVerifier.Progress progress;
    private final AtomicInteger openMappings;
    private final AtomicInteger maxOpenMappings;
    final int shard;
    private final long segmentSize;
    private final boolean wholeRemainder;
    final List<Long> bases = new ArrayList<>();
    private final List<Path> files = new ArrayList<>();
    final List<LogVerifier.Finding> found = new ArrayList<>();
    int segments;
    long records;
    long frameBytes;
    long validEnd;
    long firstBase;
    /** The rolled-into mark of each usable segment, read by the first pass (0 for none). */
    private long[] marks;

    /** {@code openMappings} and {@code maxOpenMappings} are shared by every scan of a run. */
    ShardScan(final Path directory, final boolean live, final LogVerifier.Progress progress,
        final AtomicInteger openMappings, final AtomicInteger maxOpenMappings, final int shard, final long segmentSize,
        final boolean wholeRemainder)
    {
        this.directory = directory;
        this.live = live;
        this.progress = progress;
        this.openMappings = openMappings;
        this.maxOpenMappings = maxOpenMappings;
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
                add(relative(name), 0, -1, LogVerifier.sizeOf(file), "INTERRUPTED_CREATION", "a segment file whose "
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
        marks = new long[files.size()];
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
        maxOpenMappings.accumulateAndGet(openMappings.incrementAndGet(), Math::max);
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
        openMappings.decrementAndGet();
        segment.close();
    }

    /**
     * The first pass: checks every header (listing the unusable files, marking the others in {@code usable})
     * and returns the index of the newest segment holding data ({@link NewestSegment#holdsData}); -1 if none.
     */
    private int newestWithData(final boolean[] usable) throws IOException
    {
        int last = -1;
        for (int i = 0; i < files.size(); i++)
        {
            final MappedSegment segment = open(i);
            if (segment == null)
            {
                progress.scanned(LogVerifier.sizeOf(files.get(i)));
                continue;
            }
            try
            {
                usable[i] = true;
                marks[i] = checkRolledInto(segment, i);
                if (NewestSegment.holdsData(segment, i > 0 ? marks[i - 1] : 0, wholeRemainder))
                {
                    last = i;
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
     * Checks and returns the rolled-into mark of segment {@code i}: 0, or the next segment's base once the writer
     * moved on, which it does only once that segment's file exists. Anything else is damage; a newest segment
     * carrying the mark lost its successor, and every record after it, to something else (read-only opens and
     * recovery refuse it). The disk is looked at again before that is said: a live writer may have rolled, or
     * pruned, since the listing.
     */
    private long checkRolledInto(final MappedSegment segment, final int i)
    {
        final long mark = segment.rolledIntoAcquire();
        final long next = segment.endPosition();
        final String name = relative(files.get(i).getFileName().toString());
        if (mark != 0 && mark != next)
        {
            add(name, bases.get(i), SegmentDescriptor.ROLLED_INTO_OFFSET, 8, "BAD_HEADER", "the rolled-into "
                + "mark is " + mark + ", neither 0 nor the next segment's base " + next + " (the next writer to "
                + "roll sets it)", false);
            return mark;
        }
        final Path successor = files.get(i).resolveSibling(LogDirectory.segmentName(next));
        if (mark == next && i == files.size() - 1 && !Files.exists(successor) && Files.exists(files.get(i)))
        {
            add(relative(successor.getFileName().toString()), next, -1, 0, "MISSING_SEGMENT", "the newest "
                + "segment " + name + " was rolled into it (the writer moves on only once the next file exists): "
                + "positions [" + next + ", ...) are gone", false);
        }
        return mark;
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
            progress.scanned(LogVerifier.sizeOf(files.get(i)));
            return;
        }
        try
        {
            segments++;
            final boolean prepared = i > last;
            final boolean whole = i == last && i > 0
                ? NewestSegment.readWhole(segment, marks[i - 1], wholeRemainder) : wholeRemainder;
            final SegmentScanner.Result result = SegmentScanner.scan(segment, 0, i >= last, whole || prepared,
                SegmentScanner.Mode.VERIFY);
            records += result.records();
            frameBytes += result.validEnd();
            if (i == last)
            {
                validEnd = segment.basePosition() + result.validEnd();
            }
            progress.scanned(LogVerifier.sizeOf(segment.file()));
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
        found.add(new LogVerifier.Finding(shard, file, position, fileOffset, length, kind, detail, inFlight));
    }
}
