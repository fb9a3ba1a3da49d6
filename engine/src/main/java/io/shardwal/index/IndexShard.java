package io.shardwal.index;

import static io.shardwal.index.IndexDescriptor.FLAG_DISPLACED;
import static io.shardwal.index.IndexDescriptor.FLAG_REMOVED;

import java.lang.foreign.MemorySegment;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.StampedLock;

import org.HdrHistogram.Histogram;

/**
 * One shard of a {@link ShardedIndex}: a {@link ShardStorage} behind a {@link StampedLock} used as a plain
 * (non-reentrant, non-optimistic) read/write lock, with lock waits recorded per side.
 *
 * <p><b>Threads.</b> Any thread may call any method. Queries, label lookups and re-adds of known series take the read
 * lock and run in parallel; new series, removals, rebuilds and {@link #close()} take the write lock.
 *
 * <p><b>Assumptions and guarantees.</b>
 * <ul>
 *   <li>Every add and removal takes its sequence number from the index-wide counter while holding this shard's write
 *       lock, and stamps it on the series' entry; a reader that read the counter before taking the read lock therefore
 *       finds every operation with a smaller or equal number already applied here (the basis of the snapshot rule in
 *       {@link ShardedIndex}).</li>
 *   <li>A rebuild (after enough removals) drops removed series; {@link #purgedSeq} records the largest removal
 *       number it dropped, so a query or label listing with an older snapshot knows to start again.</li>
 *   <li>Blocking: an operation waits only for this shard's lock, never for another shard's. No lock is held while
 *       calling user code.</li>
 *   <li>After {@link #close()} every operation throws {@link IllegalStateException}; close is idempotent.</li>
 * </ul>
 */
final class IndexShard implements AutoCloseable
{
    private final int index;
    private final IndexOptions options;
    private final AtomicLong sequence;
    private final StampedLock lock = new StampedLock();
    private final LockWaitRecorder readerWaits = new LockWaitRecorder();
    private final LockWaitRecorder writerWaits = new LockWaitRecorder();
    private final LabelBytes rebuildScratch = new LabelBytes();
    private ShardStorage storage;
    private long purgedSeq;
    /** Tests only: {@link SlabArena#failAllocation} for the storage of each rebuild (0: none). */
    private int rebuildFaultAfter;
    private boolean closed;

    IndexShard(final int index, final IndexOptions options, final AtomicLong sequence)
    {
        this.index = index;
        this.options = options;
        this.sequence = sequence;
        this.storage = new ShardStorage(options);
    }

    // ---------------------------------------------------------------- writes

    /** Adds the labels encoded in {@code labels} (canonical hash {@code hash}) unless present; returns the id. */
    long add(final long hash, final LabelBytes labels, final Labels source)
    {
        long stamp = readLock();
        try
        {
            checkOpen();
            int found = storage.probe(hash, labels, source);
            if (found >= 0)
            {
                return candidate(hash, found);
            }
            final long converted = lock.tryConvertToWriteLock(stamp);
            if (converted != 0)
            {
                stamp = converted; // the only reader: what it probed is still true under the write lock
                writerWaits.recordUncontended();
            }
            else
            {
                lock.unlockRead(stamp);
                stamp = 0;
                stamp = writeLock();
                checkOpen();
                found = storage.probe(hash, labels, source);
                if (found >= 0)
                {
                    return candidate(hash, found);
                }
            }
            final int free = -1 - found;
            if (free == SeriesIds.MAX_CANDIDATES)
            {
                throw new IllegalStateException(SeriesIds.MAX_CANDIDATES + " different label sets already share " +
                    "the hash " + SeriesIds.toString(hash) + "; refusing to add another");
            }
            final long id = candidate(hash, free);
            insert(id, labels, source, free != 0);
            labels.inserted = true;
            return id;
        }
        finally
        {
            if (stamp != 0)
            {
                lock.unlock(stamp); // a read or a write stamp
            }
        }
    }

    /** Adds the labels under {@code id}, a candidate of {@code hash} at position {@code position} (replay). */
    long addWithId(final long id, final int position, final long hash, final LabelBytes labels, final Labels given)
    {
        final long stamp = writeLock();
        try
        {
            checkOpen();
            final int found = storage.probe(hash, labels, given);
            if (found >= 0)
            {
                if (found == position)
                {
                    return id;
                }
                throw new IllegalArgumentException("labels " + given + " are already indexed as series " +
                    SeriesIds.toString(candidate(hash, found)) + ", not " + SeriesIds.toString(id));
            }
            final int ordinal = storage.ordinalOf(id);
            if (ordinal != ShardStorage.MISSING)
            {
                throw new IllegalArgumentException("series id " + SeriesIds.toString(id) + " already holds " +
                    storage.labelsOf(ordinal) + ", not " + given);
            }
            insert(id, labels, given, position != 0);
            return id;
        }
        finally
        {
            lock.unlockWrite(stamp);
        }
    }

    /** Inserts a new series under the write lock; a failed insert changed nothing ({@link ShardStorage#insert}). */
    private void insert(final long id, final LabelBytes labels, final Labels given, final boolean displaced)
    {
        try
        {
            storage.insert(id, sequence.incrementAndGet(), labels, given, displaced);
        }
        catch (final IndexCapacityException e)
        {
            throw new IndexCapacityException("index shard " + index + " could not add series " +
                SeriesIds.toString(id) + " " + given + ", and left it out: " + e.getMessage(), e);
        }
    }

    /**
     * Removes a series. When the removal makes a rebuild due, the rebuild leaves the series out, so removal and
     * rebuild are one step: a rebuild that fails changed nothing. One that runs out of off-heap memory (the fresh
     * storage needs its own slabs) gives way to removing in place, so a removal never fails for want of memory; the
     * next removal tries the rebuild again.
     */
    void remove(final long id)
    {
        final long stamp = writeLock();
        try
        {
            checkOpen();
            final int ordinal = storage.ordinalOf(id);
            if (ordinal == ShardStorage.MISSING)
            {
                throw unknown(id);
            }
            final long seq = sequence.incrementAndGet();
            final int removed = storage.removedSeq.size() + 1;
            if (removed >= options.compactionMinRemoved() &&
                removed >= options.compactionRemovedRatio() * (removed + storage.liveSeries - 1))
            {
                try
                {
                    rebuild(ordinal, seq);
                    return;
                }
                catch (final IndexCapacityException e)
                {
                    // fall through: remove in place, the memory the rebuild took is returned
                }
            }
            storage.remove(id, ordinal, seq);
        }
        finally
        {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Rebuilds the storage from its live series (in ordinal order, keeping ids and add numbers) but {@code removing},
     * which counts as removed at {@code removedAt}. Write lock held. On failure the old storage stays as it was.
     */
    private void rebuild(final int removing, final long removedAt)
    {
        final ShardStorage old = storage;
        final ShardStorage fresh = new ShardStorage(options);
        fresh.general.failAllocation(rebuildFaultAfter);
        try
        {
            long purged = purgedSeq;
            for (int ordinal = 0; ordinal < old.ordinals(); ordinal++)
            {
                final int flags = IndexDescriptor.flags(old.recordWord(ordinal));
                if ((flags & FLAG_REMOVED) != 0 || ordinal == removing)
                {
                    purged = Math.max(purged, ordinal == removing ? removedAt : old.removedSeq.get(ordinal));
                    continue;
                }
                old.loadLabels(ordinal, rebuildScratch);
                fresh.insert(old.seriesId(ordinal), old.addSeq(ordinal), rebuildScratch, null,
                    (flags & FLAG_DISPLACED) != 0);
            }
            fresh.lastSeq = Math.max(old.lastSeq, removedAt);
            fresh.general.failAllocation(0);
            storage = fresh;
            purgedSeq = purged;
        }
        catch (final RuntimeException | Error e)
        {
            fresh.close();
            throw e;
        }
        old.close();
    }

    // ---------------------------------------------------------------- reads

    Labels labels(final long id)
    {
        final long stamp = readLock();
        try
        {
            checkOpen();
            final int ordinal = storage.ordinalOf(id);
            if (ordinal == ShardStorage.MISSING)
            {
                throw unknown(id);
            }
            return storage.labelsOf(ordinal);
        }
        finally
        {
            lock.unlockRead(stamp);
        }
    }

    boolean contains(final long id)
    {
        final long stamp = readLock();
        try
        {
            checkOpen();
            return storage.ordinalOf(id) != ShardStorage.MISSING;
        }
        finally
        {
            lock.unlockRead(stamp);
        }
    }

    /** The matching ids visible at {@code snapshot}, or null if a rebuild dropped records the snapshot needs. */
    long[] find(final ShardQuery query, final long snapshot)
    {
        final long stamp = readLock();
        try
        {
            checkOpen();
            return purgedSeq > snapshot ? null : query.run(storage, snapshot);
        }
        finally
        {
            lock.unlockRead(stamp);
        }
    }

    /** Same as {@link #find} for a caller that already holds the read lock (see {@link #readLock()}). */
    long[] findLocked(final ShardQuery query, final long snapshot)
    {
        checkOpen();
        return query.run(storage, snapshot);
    }

    /**
     * Adds the label names visible at {@code snapshot} to {@code out}; false, adding nothing, if a rebuild dropped
     * records the snapshot needs (a series removed after it may have been the only one carrying a name).
     */
    boolean collectLabelNames(final Collection<String> out, final long snapshot)
    {
        final long stamp = readLock();
        try
        {
            return collectLabelNamesLocked(out, snapshot);
        }
        finally
        {
            lock.unlockRead(stamp);
        }
    }

    /** Same as {@link #collectLabelNames} for a caller that already holds the read lock. */
    boolean collectLabelNamesLocked(final Collection<String> out, final long snapshot)
    {
        checkOpen();
        if (purgedSeq > snapshot)
        {
            return false;
        }
        LabelListing.names(storage, snapshot, out);
        return true;
    }

    /** Adds the values of label {@code nameString} visible at {@code snapshot}, as {@link #collectLabelNames} does. */
    boolean collectLabelValues(final String nameString, final MemorySegment name, final int nameHash,
        final Collection<String> out, final long snapshot)
    {
        final long stamp = readLock();
        try
        {
            return collectLabelValuesLocked(nameString, name, nameHash, out, snapshot);
        }
        finally
        {
            lock.unlockRead(stamp);
        }
    }

    /** Same as {@link #collectLabelValues} for a caller that already holds the read lock. */
    boolean collectLabelValuesLocked(final String nameString, final MemorySegment name, final int nameHash,
        final Collection<String> out, final long snapshot)
    {
        checkOpen();
        if (purgedSeq > snapshot)
        {
            return false;
        }
        LabelListing.values(storage, nameString, name, nameHash, snapshot, out);
        return true;
    }

    /** Adds this shard's figures to {@code totals}: series, removed, pairs, strings, postings, reserved, used, heap. */
    void addStats(final long[] totals)
    {
        final long stamp = readLock();
        try
        {
            checkOpen();
            final ShardStorage s = storage;
            totals[0] += s.liveSeries;
            totals[1] += s.removedSeq.size();
            totals[2] += s.pairs.size();
            totals[3] += s.strings.size();
            totals[4] += s.postingsEntries;
            totals[5] += s.general.reservedBytes();
            totals[6] += s.general.usedBytes();
            totals[7] += s.heapBytes() + 256;
        }
        finally
        {
            lock.unlockRead(stamp);
        }
    }

    Histogram readerWaits()
    {
        return readerWaits.intervalHistogram();
    }

    Histogram writerWaits()
    {
        return writerWaits.intervalHistogram();
    }

    /** Checks every postings list of the shard (tests). */
    void checkIntegrity()
    {
        final long stamp = readLock();
        try
        {
            checkOpen();
            StorageCheck.check(storage);
        }
        finally
        {
            lock.unlockRead(stamp);
        }
    }

    @Override
    public void close()
    {
        final long stamp = writeLock();
        try
        {
            if (!closed)
            {
                closed = true;
                storage.close();
            }
        }
        finally
        {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Tests only: the {@code allocations}-th allocation from now in this shard's storage fails as if off-heap memory
     * ran out (0 disarms), and so does that allocation of every rebuild's fresh storage if {@code inRebuilds}.
     */
    void failAllocation(final int allocations, final boolean inRebuilds)
    {
        final long stamp = writeLock();
        try
        {
            checkOpen();
            storage.general.failAllocation(allocations);
            rebuildFaultAfter = inRebuilds ? allocations : 0;
        }
        finally
        {
            lock.unlockWrite(stamp);
        }
    }

    // ---------------------------------------------------------------- locking

    /** Takes the read lock, recording the wait. */
    long readLock()
    {
        final long stamp = lock.tryReadLock();
        if (stamp != 0)
        {
            readerWaits.recordUncontended();
            return stamp;
        }
        final long start = System.nanoTime();
        final long waited = lock.readLock();
        readerWaits.recordWait(System.nanoTime() - start);
        return waited;
    }

    void unlockRead(final long stamp)
    {
        lock.unlockRead(stamp);
    }

    private long writeLock()
    {
        final long stamp = lock.tryWriteLock();
        if (stamp != 0)
        {
            writerWaits.recordUncontended();
            return stamp;
        }
        final long start = System.nanoTime();
        final long waited = lock.writeLock();
        writerWaits.recordWait(System.nanoTime() - start);
        return waited;
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("the index is closed (shard " + index + ")");
        }
    }

    private static long candidate(final long hash, final int position)
    {
        long id = hash;
        for (int i = 0; i < position; i++)
        {
            id = SeriesIds.next(id);
        }
        return id;
    }

    private static IllegalArgumentException unknown(final long id)
    {
        return new IllegalArgumentException("unknown series id " + SeriesIds.toString(id));
    }
}
