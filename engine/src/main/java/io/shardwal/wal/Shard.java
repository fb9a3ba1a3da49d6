package io.shardwal.wal;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.ReentrantLock;

import io.shardwal.metrics.ShardMetrics;
import io.shardwal.metrics.ShardStats;
import io.shardwal.mmap.BatchSource;
import io.shardwal.mmap.FrameClaim;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.SegmentAppender;
import io.shardwal.mmap.SegmentScanner;
import io.shardwal.mmap.ShardwalException;
import org.HdrHistogram.Histogram;

/**
 * One shard of a writable log: its chain of segments, the lock-free append path, rolling to the next segment,
 * the committed and durable frontiers, and msync through {@link GroupCommit} ({@link ShardMsync} runs and counts
 * each msync).
 *
 * <p><b>Threads.</b> Any number of writer threads append concurrently; the preparer thread calls
 * {@link #prepareOne}; any thread may sync, read the frontiers or take stats. Appends never take a lock: a roll
 * takes this shard's roll lock (and, only if the next segment is not ready, its prepare lock), never another
 * shard's.
 *
 * <p><b>Assumptions and guarantees.</b>
 * <ul>
 *   <li>{@link #committedPosition()} and {@link #durablePosition()} only grow; every frame below the committed
 *       frontier is committed, every frame below the durable frontier is committed and msynced.</li>
 *   <li>{@link #awaitDurable()} returns only after an msync covering every frame committed before the call
 *       succeeded; if an msync fails, it and every later append throw FAILED.</li>
 *   <li>Bytes ahead of the tail are zero: segments are created zero, recovery zeroes what it cuts.</li>
 * </ul>
 */
final class Shard
{
    final int id;
    final ShardMetrics metrics;
    private final ShardSegments segments;
    private final long segmentSize;
    private final int prepareAhead;
    private final Runnable wakePreparer;

    private volatile SegmentAppender active;
    private final ConcurrentLinkedDeque<MappedSegment> prepared = new ConcurrentLinkedDeque<>();
    private final SegmentWarmup warmup = new SegmentWarmup();
    private final ReentrantLock rollLock = new ReentrantLock();
    private final ReentrantLock prepareLock = new ReentrantLock();
    /** Base of the next segment file to create; guarded by prepareLock. */
    private long nextCreateBase;

    private final ReentrantLock frontierLock = new ReentrantLock();
    private final SegmentScanner.Progress progress = new SegmentScanner.Progress();
    private volatile long committed;
    private volatile long durable;
    /** Oldest segment the writer still pins (older ones are durable and released); written only by actions. */
    private long oldestPinnedBase;
    private final GroupCommit groupCommit = new GroupCommit();
    private final ShardMsync msync;
    private volatile RuntimeException failure;
    private volatile boolean closed;

    Shard(final int id, final ShardSegments segments, final long segmentSize, final int prepareAhead,
        final ShardMetrics metrics, final Runnable wakePreparer)
    {
        this.id = id;
        this.segments = segments;
        this.segmentSize = segmentSize;
        this.prepareAhead = prepareAhead;
        this.metrics = metrics;
        this.wakePreparer = wakePreparer;
        this.msync = new ShardMsync(id, segments, segmentSize, metrics);
    }

    /**
     * Starts appending after recovery: {@code activeSegment} holds the last valid frame, which ends at
     * {@code validEnd} (everything below is committed and durable); {@code preparedSegments} follow it.
     */
    void start(final MappedSegment activeSegment, final long validEnd, final List<MappedSegment> preparedSegments,
        final long nextBase)
    {
        active = new SegmentAppender(activeSegment);
        warmup.begin(activeSegment);
        prepared.addAll(preparedSegments);
        committed = validEnd;
        durable = validEnd;
        oldestPinnedBase = activeSegment.basePosition();
        nextCreateBase = nextBase;
    }

    ShardSegments segments()
    {
        return segments;
    }

    long segmentSize()
    {
        return segmentSize;
    }

    // ---------------------------------------------------------------------------------------------- append path

    long append(final byte[] key, final byte[] value, final FrameClaim workspace)
    {
        checkWritable();
        while (true)
        {
            final SegmentAppender appender = active;
            long position;
            try
            {
                position = appender.append(key, value, workspace);
            }
            catch (final ShardwalException e)
            {
                position = fullIfRolledAway(appender, e);
            }
            if (position >= 0)
            {
                return position;
            }
            roll(appender);
        }
    }

    long append(final MemorySegment key, final MemorySegment value, final FrameClaim workspace)
    {
        checkWritable();
        while (true)
        {
            final SegmentAppender appender = active;
            long position;
            try
            {
                position = appender.append(key, value, workspace);
            }
            catch (final ShardwalException e)
            {
                position = fullIfRolledAway(appender, e);
            }
            if (position >= 0)
            {
                return position;
            }
            roll(appender);
        }
    }

    /** Appends all of {@code source} as one contiguous batch; returns its header position. */
    long appendBatch(final BatchSource source, final long[] positions, final FrameClaim workspace)
    {
        checkWritable();
        while (true)
        {
            final SegmentAppender appender = active;
            long position;
            try
            {
                position = appender.appendBatch(source, positions, workspace);
            }
            catch (final ShardwalException e)
            {
                position = fullIfRolledAway(appender, e);
            }
            if (position >= 0)
            {
                return position;
            }
            roll(appender);
        }
    }

    long tryClaim(final int keyLength, final int valueLength, final FrameClaim claim)
    {
        checkWritable();
        while (true)
        {
            final SegmentAppender appender = active;
            long position;
            try
            {
                position = appender.tryClaim(keyLength, valueLength, claim);
            }
            catch (final ShardwalException e)
            {
                position = fullIfRolledAway(appender, e);
            }
            if (position >= 0)
            {
                return position;
            }
            roll(appender);
        }
    }

    /**
     * A writer that read {@code appender} before the shard rolled away from it may find its segment unmapped by the
     * time it claims (pruned, or trimmed from the mapping cache once durable). The shard rolls away from a segment
     * only after a claim ran past its end, so every later claim there is {@link SegmentAppender#SEGMENT_FULL} anyway
     * and nothing was claimed: the writer continues in the active segment. Any other failure is rethrown.
     */
    private long fullIfRolledAway(final SegmentAppender appender, final ShardwalException e)
    {
        if (e.category() == ShardwalException.Category.CLOSED && !closed && active != appender)
        {
            return SegmentAppender.SEGMENT_FULL;
        }
        throw ClaimUnblocker.inShard(id, e);
    }

    /** Blocks until an msync covering every frame committed before this call has succeeded (group commit). */
    void awaitDurable()
    {
        groupCommit.await(this::syncAction, this::failWith);
    }

    /** Moves the writer to the next segment, unless another writer already did. */
    private void roll(final SegmentAppender full)
    {
        final long start = System.nanoTime();
        rollLock.lock();
        try
        {
            checkWritable();
            if (active != full)
            {
                return;
            }
            final long nextBase = full.segment().endPosition();
            RecordAddress.checkSegmentFits(id, nextBase, segmentSize, segments.directory());
            MappedSegment next = takePrepared(nextBase);
            boolean inline = false;
            if (next == null)
            {
                prepareLock.lock();
                try
                {
                    next = takePrepared(nextBase);
                    if (next == null)
                    {
                        next = create(nextBase);
                        inline = true;
                    }
                }
                finally
                {
                    prepareLock.unlock();
                }
                metrics.recordRollWait(System.nanoTime() - start);
            }
            // Only now that the next file is durable (created or prepared with its directory synced): a newest
            // segment carrying the mark is then a loss (LostSegments); the header syncs after the roll make it durable
            full.segment().markRolled();
            active = new SegmentAppender(next);
            metrics.recordRoll(inline);
        }
        finally
        {
            rollLock.unlock();
        }
        wakePreparer.run();
    }

    private MappedSegment takePrepared(final long base)
    {
        final MappedSegment first = prepared.peekFirst();
        if (first == null)
        {
            return null;
        }
        if (first.basePosition() != base)
        {
            throw new IllegalStateException("shard " + id + " expected its next segment at " + base + " but the "
                + "prepared one starts at " + first.basePosition());
        }
        return prepared.pollFirst();
    }

    /** Creates the segment at {@code base}, which must be the next one; call with the prepare lock held. */
    private MappedSegment create(final long base)
    {
        if (base != nextCreateBase)
        {
            throw new IllegalStateException("shard " + id + " was asked to create segment " + base
                + " but the next one to create is " + nextCreateBase);
        }
        try
        {
            final MappedSegment segment = segments.create(base);
            segments.addCreated(segment);
            nextCreateBase = base + segmentSize;
            return segment;
        }
        catch (final IOException e)
        {
            throw new ShardwalException(ShardwalException.Category.IO, "shard " + id + " could not create segment "
                + ShardSegments.fileName(base) + ": " + e.getMessage(), segments.fileFor(base),
                ShardwalException.NO_OFFSET, e);
        }
    }

    /** Preparer thread, before {@link #prepareOne}: pretouches a chunk of the segment the writers started in. */
    boolean warmActive()
    {
        return !closed && failure == null && warmup.step(active.segment());
    }

    /**
     * Preparer thread: creates, preallocates and pretouches one more segment if fewer than the configured number
     * are ready.
     *
     * @return true if it created one (call again), false if enough are ready.
     */
    boolean prepareOne()
    {
        if (closed || failure != null || prepared.size() >= prepareAhead)
        {
            return false;
        }
        final MappedSegment created;
        prepareLock.lock();
        try
        {
            if (closed || prepared.size() >= prepareAhead)
            {
                return false;
            }
            created = create(nextCreateBase);
            prepared.addLast(created);
        }
        catch (final ShardwalException e)
        {
            metrics.recordPrepareFailure();
            throw e;
        }
        finally
        {
            prepareLock.unlock();
        }
        // Outside the lock, and safe if a writer already rolled into it: pretouching never overwrites a byte.
        created.pretouch(0, created.capacity());
        return true;
    }

    int preparedCount()
    {
        return prepared.size();
    }

    // -------------------------------------------------------------------------------------- frontiers and sync

    /** Advances and returns the committed frontier: the end of the longest prefix of committed frames. */
    long advanceCommitted()
    {
        frontierLock.lock();
        try
        {
            long position = committed;
            while (true)
            {
                final long base = position - position % segmentSize;
                final MappedSegment segment = segments.pinned(base);
                if (segment == null)
                {
                    break;
                }
                progress.offset = position - base;
                progress.records = 0;
                progress.payloadBytes = 0;
                // Not past the claimed end (acquire load of the tail, which claims advance): bytes there are no
                // frames but damage that recovery after a clean stop did not read; a segment's data is this open's
                // or recovered (its tail reset), so its tail is exact
                SegmentScanner.advanceCommitted(segment, progress, segment.claimedLimit());
                metrics.addCommitted(progress.records, progress.payloadBytes);
                position = base + progress.offset;
                if (segment.capacity() - progress.offset >= FrameDescriptor.MIN_FRAME_LENGTH)
                {
                    break;
                }
                position = segment.endPosition();
            }
            committed = position;
            return position;
        }
        finally
        {
            frontierLock.unlock();
        }
    }

    long committedPosition()
    {
        return committed;
    }

    long durablePosition()
    {
        return durable;
    }

    /**
     * End of the bytes claimed so far (committed or not): the active segment's base plus its tail counter, clamped
     * to the segment's end while a claim that ran past it pads and rolls (the overshoot is retried in the next
     * segment, not claimed here). May lie just below the committed frontier when the segment's last few bytes are
     * too short for a frame (the frontier then steps to the segment's end).
     */
    long claimedPosition()
    {
        final MappedSegment segment = active.segment();
        return segment.basePosition() + segment.claimedLimit();
    }

    long firstPosition()
    {
        return segments.firstBase();
    }

    /** The group-commit action: msync everything claimed so far, then advance the durable frontier. */
    private void syncAction() throws IOException
    {
        final long frontier = advanceCommitted();
        final long claimed = claimedPosition();
        final long from = durable;
        if (claimed > from)
        {
            msync.range(from, claimed, frontier);
        }
        if (frontier > durable)
        {
            durable = frontier;
            releaseDurableSegments();
        }
    }

    /** Test seam: {@code fault} runs before each msync (data and header pages) and may throw; null removes it. */
    void msyncFault(final ShardMsync.Fault fault)
    {
        msync.fault(fault);
    }

    /**
     * Unpins segments that lie wholly below the durable frontier and are not the active one, after forcing their
     * header page: a segment's final tail counter must reach the disk before the writer lets go of it, so recovery
     * after a clean stop can trust it.
     */
    private void releaseDurableSegments() throws IOException
    {
        final long activeBase = active.segment().basePosition();
        while (oldestPinnedBase < activeBase && oldestPinnedBase + segmentSize <= durable)
        {
            final MappedSegment full = segments.pinned(oldestPinnedBase);
            if (full != null)
            {
                msync.header(full);
            }
            segments.unpin(oldestPinnedBase);
            oldestPinnedBase += segmentSize;
        }
    }

    private RuntimeException failWith(final Throwable cause)
    {
        final ShardwalException failed = new ShardwalException(ShardwalException.Category.FAILED, "shard " + id
            + " failed to msync and refuses appends from now on: " + (cause instanceof IOException
            ? cause.getMessage() : cause.toString()), segments.directory(), durable, cause);
        failure = failed;
        return failed;
    }

    /** Throws if this shard is closed or failed. One volatile read on the append path. */
    void checkWritable()
    {
        final RuntimeException cause = failure;
        if (cause != null || closed)
        {
            throw closed ? closedError() : new ShardwalException(ShardwalException.Category.FAILED, "shard " + id
                + " refuses appends after an earlier failure: " + cause.getMessage(), segments.directory(),
                ShardwalException.NO_OFFSET, cause);
        }
    }

    boolean isFailed()
    {
        return failure != null;
    }

    private ShardwalException closedError()
    {
        return new ShardwalException(ShardwalException.Category.CLOSED, "the log is closed (shard " + id + ")",
            segments.directory(), ShardwalException.NO_OFFSET);
    }

    /**
     * Close: forces the header pages of every segment the writer still holds, once no group-commit action can run
     * any more. A writer still appending may lead an action after the close's own sync; its
     * {@link #releaseDurableSegments} writes {@link #oldestPinnedBase} and unpins (and may unmap) the segment this
     * loop is at. Run beside it, the loop read that plain field in a data race, stopped at the unpinned segment
     * (skipping the active segment's header, under a stop then marked clean) or msynced an unmapped one (CLOSED,
     * failing the close). After {@link GroupCommit#fail} no action starts, and {@code awaitNoAction} read
     * {@code leading} false after the last one wrote it (volatile): that action's writes happen-before this loop.
     *
     * @param idle whether the last action ended; if not, it may still move the frontier and the headers are not
     *             synced (the shard fails, so the stop is not recorded as clean).
     */
    private void syncHeadersAfterLastAction(final boolean idle)
    {
        final RuntimeException racing = failure;
        if (racing != null)
        {
            throw racing; // an action of a writer racing the close failed: what it covered may not be durable
        }
        if (!idle)
        {
            throw failWith(new IOException("a group-commit msync still runs after 30 s; closing without the final "
                + "header sync"));
        }
        for (long base = oldestPinnedBase; ; base += segmentSize)
        {
            final MappedSegment segment = segments.pinned(base);
            if (segment == null)
            {
                return;
            }
            try
            {
                msync.header(segment);
            }
            catch (final IOException | RuntimeException e)
            {
                throw failWith(e);
            }
        }
    }

    /**
     * This shard's stats; adds the latency histograms they summarise to {@code appends} and {@code msyncs}. The
     * claimed position is read after the committed frontier, so the bytes in flight between them are never negative
     * (a closed shard has none).
     */
    ShardStats stats(final Histogram appends, final Histogram msyncs)
    {
        final long position = closed ? committed : advanceCommitted();
        final long claimed = closed ? position : claimedPosition();
        return metrics.snapshot(position, claimed, durable, segments.count(), appends, msyncs);
    }

    /**
     * Closes the shard: a final sync of everything committed, then every waiter and later call fails with CLOSED and
     * the mappings are released (writers racing the close get CLOSED, never a crash).
     *
     * @throws ShardwalException FAILED if the shard had failed before (no final sync was possible, so what it
     *                           committed after its last successful msync may not be durable), or the final sync's
     *                           failure; the shard is closed either way.
     */
    void close()
    {
        if (closed)
        {
            return;
        }
        final RuntimeException earlier = failure;
        boolean synced = false;
        try
        {
            if (earlier == null)
            {
                awaitDurable();
                synced = true;
            }
        }
        finally
        {
            closed = true;
            groupCommit.fail(closedError());
            // A group-commit leader may be inside msync, a native call that holds the mapping: let it finish.
            final boolean idle = groupCommit.awaitNoAction(java.util.concurrent.TimeUnit.SECONDS.toNanos(30));
            try
            {
                if (synced)
                {
                    syncHeadersAfterLastAction(idle);
                }
            }
            finally
            {
                segments.close();
            }
        }
        if (earlier != null)
        {
            throw new ShardwalException(ShardwalException.Category.FAILED, "shard " + id + " had failed ("
                + earlier.getMessage() + ") and was closed without a final sync: what it committed after its last "
                + "successful msync may not be durable", segments.directory(), ShardwalException.NO_OFFSET, earlier);
        }
    }
}
