package io.shardwal.wal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.NewestSegment;
import io.shardwal.mmap.ParallelWork;
import io.shardwal.mmap.SegmentScanner;
import io.shardwal.mmap.ShardwalException;

/**
 * Recovery of the shards when a writer opens the log. Starting at a shard's checkpointed position (or its first
 * segment), it walks every segment up to the newest one holding data with the {@link SegmentScanner} in REPAIR
 * mode: committed, checksum-valid frames stay where they are; dead claims, gaps, damaged frames and torn batches
 * are set aside; the torn end of the newest segment is cut and zeroed. Every repair becomes a
 * {@link RecoveryReport.Repair}. Segments below the start are not even mapped, so opening costs what was written
 * after the last checkpoint. Shards are scanned in parallel ({@link WalOptions#recoveryThreads()}), and a long
 * recovery logs its progress ({@link ProgressLog}).
 *
 * <p>After a crash the scanned range is msynced before appends start, so the recovered state is the durable one.
 */
final class WalRecovery
{
    private WalRecovery()
    {
    }

    /**
     * Recovers every shard: first each shard's plan, in shard order, so that a checkpoint or a missing segment that
     * refuses the open does so before any shard's frames are repaired; then the scans, on up to {@code threads}
     * threads at once (shards are independent). Repairs go to {@code repairs} in shard order, whatever order the scans
     * finish in, so the report is the same for any number of threads; {@code repairsPerShard} gets each shard's count.
     * If scans fail, the one of the lowest shard is thrown, the others added to it as suppressed; every scan has
     * ended by then ({@link ParallelWork}).
     */
    static List<RecoveryReport.ShardRecovery> recoverAll(final Path directory, final Shard[] shards,
        final Checkpoint latest, final Path checkpointFile, final WalLock.PreviousStop previousStop,
        final int threads, final Duration progressInterval, final List<RecoveryReport.Repair> repairs,
        final int[] repairsPerShard) throws IOException
    {
        final int count = shards.length;
        final Plan[] plans = new Plan[count];
        final List<List<RecoveryReport.Repair>> found = new ArrayList<>(count);
        long bytes = 0;
        int toScan = 0;
        for (int i = 0; i < count; i++)
        {
            found.add(new ArrayList<>());
            plans[i] = plan(shards[i], latest, checkpointFile, previousStop, found.get(i));
            bytes += plans[i].bytesToScan();
            toScan += plans[i].done == null ? 1 : 0;
        }
        final ProgressLog progress = new ProgressLog("recovering", "recovered", "scanned", directory, bytes, toScan,
            Math.max(1, Math.min(threads, toScan)), progressInterval);
        final RecoveryReport.ShardRecovery[] recovered = new RecoveryReport.ShardRecovery[count];
        ParallelWork.run(count, progress.threads(), "shardwal-recovery",
            i -> recovered[i] = plans[i].done != null ? plans[i].done : scan(plans[i], found.get(i), progress));
        for (int i = 0; i < count; i++)
        {
            repairs.addAll(found.get(i));
            repairsPerShard[i] = found.get(i).size();
        }
        progress.finished();
        return List.of(recovered);
    }

    /**
     * One shard's recovery, worked out before any shard is scanned: the segments {@code [startIndex, last]} of
     * {@code bases} are scanned from position {@code start}; {@code done} instead when there is nothing to scan.
     */
    record Plan(Shard shard, List<Long> bases, long start, int startIndex, int last, boolean wholeRemainder,
        RecoveryReport.ShardRecovery done)
    {
        /** Bytes of segment the scan covers, for progress. */
        long bytesToScan()
        {
            if (done != null)
            {
                return 0;
            }
            final long size = shard.segmentSize();
            return bases.get(last) + size - Math.max(start, bases.get(startIndex));
        }
    }

    /**
     * Deletes the files of interrupted creations, checks the latest checkpoint against the shard's segments and
     * finds the newest segment holding data. A shard without segments gets its first one and is done.
     *
     * @param latest         the latest checkpoint, where the scan starts (null: from the first segment).
     * @param checkpointFile {@code checkpoints.log}, named when {@code latest} does not fit the shard.
     * @param previousStop   how the last writer stopped; decides whether data may lie past tail counters.
     * @throws ShardwalException CORRUPT if {@code latest} puts the shard off a record boundary or past its records.
     */
    static Plan plan(final Shard shard, final Checkpoint latest, final Path checkpointFile,
        final WalLock.PreviousStop previousStop, final List<RecoveryReport.Repair> repairs) throws IOException
    {
        final ShardSegments segments = shard.segments();
        final long size = shard.segmentSize();
        final long startPosition = latest == null ? 0 : latest.position(shard.id);
        if (startPosition < 0 || (startPosition & (FrameDescriptor.ALIGNMENT - 1)) != 0)
        {
            throw badCheckpoint(latest, checkpointFile, shard.id, "which is not a record boundary");
        }
        final List<Path> leftovers = segments.discover();
        for (final Path leftover : leftovers)
        {
            repairs.add(new RecoveryReport.Repair(shard.id, ShardSegments.parseBase(
                leftover.getFileName().toString().replace(MappedSegment.CREATING_SUFFIX, "")), Files.size(leftover),
                "INTERRUPTED_CREATION", "a segment file the writer was still creating when it stopped; deleted",
                leftover));
            Files.delete(leftover);
        }
        if (!leftovers.isEmpty())
        {
            // Durable deletions: a power cut after the open must not bring a leftover back to be reported again.
            MappedSegment.syncDirectory(segments.directory());
        }
        if (segments.isEmpty())
        {
            if (startPosition > 0)
            {
                throw new ShardwalException(ShardwalException.Category.NOT_FOUND, "shard " + shard.id + " has no "
                    + "segment files, but the latest checkpoint puts its data up to position " + startPosition,
                    segments.directory(), startPosition);
            }
            final MappedSegment first = MappedSegment.create(segments.fileFor(0), 0, size, shard.id);
            segments.addCreated(first);
            shard.start(first, 0, List.of(), size);
            return new Plan(shard, List.of(), 0, 0, 0, false, new RecoveryReport.ShardRecovery(shard.id, 0, 0, 0, 0));
        }
        final List<Long> bases = segments.bases();
        if (latest != null && bases.getFirst() > startPosition)
        {
            // Pruning deletes only segments wholly below a checkpoint, so this is a loss, not a prune
            final long missing = startPosition - startPosition % size;
            throw new ShardwalException(ShardwalException.Category.CORRUPT, "shard " + shard.id + " is missing "
                + "segment " + ShardSegments.fileName(missing) + ": its oldest segment starts at " + bases.getFirst()
                + ", past the latest checkpoint " + latest.idText() + " at " + startPosition + ", and pruning only "
                + "deletes segments below a checkpoint: positions [" + missing + ", " + bases.getFirst() + ") are gone",
                segments.fileFor(missing), ShardwalException.NO_OFFSET);
        }
        final long lastEnd = bases.getLast() + size;
        if (startPosition > lastEnd)
        {
            throw new ShardwalException(ShardwalException.Category.CORRUPT, "the latest checkpoint puts shard "
                + shard.id + " at position " + startPosition + ", past the end of its segments (" + lastEnd + ")",
                segments.fileFor(bases.getLast()), startPosition);
        }
        if (latest != null)
        {
            checkReached(shard, latest, checkpointFile, previousStop != WalLock.PreviousStop.POSSIBLE_OS_CRASH);
        }
        final long start = Math.max(startPosition, bases.getFirst());
        final int startIndex = Math.min(bases.size() - 1, bases.indexOf(start - start % size) < 0 ? 0
            : bases.indexOf(start - start % size));
        final boolean wholeRemainder = previousStop == WalLock.PreviousStop.POSSIBLE_OS_CRASH;
        final int last = lastWithData(segments, bases, startIndex, wholeRemainder);
        return new Plan(shard, bases, start, startIndex, last, wholeRemainder, null);
    }

    /**
     * Scans the planned segments in REPAIR mode, msyncs what it scanned and starts the shard at the end of its valid
     * frames.
     */
    static RecoveryReport.ShardRecovery scan(final Plan plan, final List<RecoveryReport.Repair> repairs,
        final ProgressLog progress) throws IOException
    {
        final Shard shard = plan.shard;
        final ShardSegments segments = shard.segments();
        final List<Long> bases = plan.bases;
        final long start = plan.start;
        final int last = plan.last;
        long records = 0;
        long validEnd = start;
        for (int i = plan.startIndex; i <= last; i++)
        {
            final MappedSegment segment = segments.pinned(bases.get(i));
            final long from = Math.max(0, Math.min(start - segment.basePosition(), segment.capacity()));
            final boolean whole = i == last && i > plan.startIndex
                ? NewestSegment.readWhole(segment, segments.pinned(bases.get(i - 1)).rolledIntoAcquire(),
                    plan.wholeRemainder)
                : plan.wholeRemainder;
            final SegmentScanner.Result result = SegmentScanner.scan(segment, from, i == last, whole,
                SegmentScanner.Mode.REPAIR);
            records += result.records();
            for (final SegmentScanner.Finding finding : result.findings())
            {
                repairs.add(new RecoveryReport.Repair(shard.id, finding.position(), finding.length(),
                    finding.kind().name(), finding.detail(), segment.file()));
            }
            // Everything below validEnd becomes the durable frontier, so it is msynced even after a clean stop: an
            // append that raced the close may have committed after the close's final msync (cheap when it did not:
            // the range then holds no dirty pages).
            segment.msync(from, segment.capacity() - from);
            segment.msyncHeader();
            if (i == last)
            {
                validEnd = segment.basePosition() + result.validEnd();
            }
            progress.advanced(segment.capacity() - from);
        }
        progress.shardDone();
        for (int i = plan.startIndex; i < last; i++)
        {
            segments.unpin(bases.get(i));
        }
        final List<MappedSegment> prepared = new ArrayList<>();
        for (int i = last + 1; i < bases.size(); i++)
        {
            prepared.add(segments.pinned(bases.get(i)));
        }
        if (!prepared.isEmpty())
        {
            // A writer killed between a creation's rename and its directory sync leaves a file that a power cut may
            // still take away; rolling into it marks the segment before it (LostSegments), so it must be durable first
            MappedSegment.syncDirectory(segments.directory());
        }
        shard.start(segments.pinned(bases.get(last)), validEnd, prepared, bases.getLast() + shard.segmentSize());
        return new RecoveryReport.ShardRecovery(shard.id, start, validEnd, records, last - plan.startIndex + 1);
    }

    /**
     * Refuses a checkpoint that puts the shard past its records: recovering from there would start appends beyond a
     * gap that readers can never cross. Before the checkpoint was written, everything below its position was
     * committed and msynced, so the segment holding its last record reaches it: by its tail counter when the last
     * stop leaves tail counters trustworthy, else by a walk over its committed frames. The tail counter only ever
     * vouches for the checkpoint: it sits outside the header's checksum, so a damaged one that falls short is
     * checked by the walk, and only frames that end short refuse the checkpoint.
     */
    private static void checkReached(final Shard shard, final Checkpoint latest, final Path checkpointFile,
        final boolean trustTails) throws IOException
    {
        final ShardSegments segments = shard.segments();
        final long size = shard.segmentSize();
        final long position = latest.position(shard.id);
        final long offset = position % size;
        final long base = offset == 0 ? position - size : position - offset;
        if (base < segments.firstBase() || base > segments.lastBase())
        {
            return; // position 0, below the pruned segments, or past the last one (refused by the caller)
        }
        final MappedSegment segment = segments.acquire(base);
        long reached = -1;
        try
        {
            if (trustTails)
            {
                reached = segment.claimedLimit();
            }
            if (!reaches(offset, size, reached))
            {
                final SegmentScanner.Progress progress = new SegmentScanner.Progress();
                SegmentScanner.advanceCommitted(segment, progress);
                reached = progress.offset;
            }
        }
        finally
        {
            segments.release(segment);
        }
        if (!reaches(offset, size, reached))
        {
            throw badCheckpoint(latest, checkpointFile, shard.id, "past the end of its records: segment "
                + segment.file().getFileName() + " holds them up to position " + (base + reached));
        }
    }

    /** Whether a segment whose frames (or claims) reach {@code reached} holds a checkpoint at {@code offset}. */
    private static boolean reaches(final long offset, final long size, final long reached)
    {
        return offset == 0 ? size - reached < FrameDescriptor.MIN_FRAME_LENGTH : reached >= offset;
    }

    private static ShardwalException badCheckpoint(final Checkpoint latest, final Path checkpointFile,
        final int shard, final String why)
    {
        return new ShardwalException(ShardwalException.Category.CORRUPT, "checkpoint " + latest.idText()
            + ", the latest in " + checkpointFile.getFileName() + ", puts shard " + shard + " at position "
            + latest.position(shard) + ", " + why + "; refusing to recover the shard from it (its segments are "
            + "untouched)",
            checkpointFile, latest.logOffset());
    }

    /**
     * Index of the newest segment holding data (claims, or after an OS crash any bytes) or rolled into by the one
     * before it, pinning all from start.
     */
    private static int lastWithData(final ShardSegments segments, final List<Long> bases, final int startIndex,
        final boolean wholeRemainder) throws IOException
    {
        int last = startIndex;
        long previousMark = 0;
        for (int i = startIndex; i < bases.size(); i++)
        {
            final MappedSegment segment = segments.pin(bases.get(i));
            if (NewestSegment.holdsData(segment, previousMark, wholeRemainder))
            {
                last = i;
            }
            previousMark = segment.rolledIntoAcquire();
        }
        return last;
    }
}
