package io.shardwal.wal;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.checkpoint.CheckpointLog;
import io.shardwal.metrics.ShardMetrics;
import io.shardwal.metrics.WalStats;
import io.shardwal.mmap.ShardwalException;
import io.shardwal.route.Router;

/**
 * A sharded, memory-mapped write-ahead log. Keys are routed to shards by a stable hash ({@link Router}); each
 * shard is a chain of preallocated segment files written lock-free by any number of threads; durability follows
 * the {@link SyncMode}. Readers ({@link Tailer}, {@link #iterShard}, {@link #replay}) read committed records
 * zero-copy, in this process or — through {@link #openReadOnly} — in another.
 *
 * <p><b>Threads.</b> Every method is thread-safe. Appends on different shards never contend; appends on one
 * shard share one atomic add per record. {@link #close()} may race with appends and reads: they fail with a
 * CLOSED {@link ShardwalException}, never crash the JVM.
 *
 * <p><b>Assumptions and guarantees.</b>
 * <ul>
 *   <li>An append returns only when its record is committed (visible to every reader) and, per the sync mode,
 *       msynced. What each mode survives is in {@link SyncMode}.</li>
 *   <li>Positions are per shard, only grow, and are returned packed with the shard as a {@link RecordAddress}.
 *       Records of one key are in append order within their shard.</li>
 *   <li>Opening a log recovers it: nothing acknowledged under the mode's promise is lost, nothing damaged is
 *       delivered, and every repair is in {@link #recoveryReport()}.</li>
 *   <li>One writer per log: a second writer, in this JVM or another process, is refused (LOCKED).</li>
 * </ul>
 */
public final class ShardedWal implements AutoCloseable
{
    private final WalOptions options;
    private final Path directory;
    private final Router router;
    private final ShardSegments[] segments;
    private final Shard[] shards;
    private final ShardMetrics[] metrics;
    private final WalLock lock;
    private final Housekeeping housekeeping;
    private final RecoveryReport recoveryReport;
    private final CheckpointLog checkpointLog;
    private final WalCheckpoints checkpoints;
    private final boolean strict;
    private final boolean durableBatches;
    private final int timingInterval;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch closeDone = new CountDownLatch(1);

    private ShardedWal(final WalOptions options, final Router router, final ShardSegments[] segments,
        final Shard[] shards, final ShardMetrics[] metrics, final WalLock lock, final Housekeeping housekeeping,
        final RecoveryReport recoveryReport, final CheckpointLog checkpointLog, final WalCheckpoints checkpoints)
    {
        this.checkpointLog = checkpointLog;
        this.checkpoints = checkpoints;
        this.options = options;
        this.directory = options.directory();
        this.router = router;
        this.segments = segments;
        this.shards = shards;
        this.metrics = metrics;
        this.lock = lock;
        this.housekeeping = housekeeping;
        this.recoveryReport = recoveryReport;
        this.strict = options.syncMode() == SyncMode.STRICT;
        this.durableBatches = options.syncMode() != SyncMode.ASYNC;
        this.timingInterval = options.readOnly() ? 0 : metrics[0].appendTimingInterval();
    }

    /**
     * Opens (or creates, if allowed) the log in {@code options.directory()} for writing, recovering it first.
     *
     * @throws ShardwalException MISMATCH if the directory holds a log with other settings (nothing is touched),
     *                           LOCKED if another writer holds it, FORMAT/CORRUPT for damage recovery cannot take
     *                           on itself, IO for the file system's refusals.
     */
    public static ShardedWal open(final WalOptions options)
    {
        if (options.readOnly())
        {
            return openReadOnly(options.directory());
        }
        try
        {
            return WalLifecycle.openWritable(options);
        }
        catch (final IOException e)
        {
            throw new ShardwalException(ShardwalException.Category.IO, "cannot open " + options.directory() + ": "
                + e, options.directory(), ShardwalException.NO_OFFSET, e);
        }
    }

    /**
     * Opens an existing log for reading only: no lock, no recovery, no background threads. Tailers may follow a
     * writer running in another process.
     */
    public static ShardedWal openReadOnly(final Path directory)
    {
        try
        {
            return WalLifecycle.openReadOnly(directory);
        }
        catch (final NoSuchFileException e)
        {
            throw new ShardwalException(ShardwalException.Category.NOT_FOUND, "no shardwal log in " + directory
                + " (no " + Manifest.FILE_NAME + ")", directory, ShardwalException.NO_OFFSET, e);
        }
        catch (final IOException e)
        {
            throw new ShardwalException(ShardwalException.Category.IO, "cannot open " + directory + " read-only: "
                + e, directory, ShardwalException.NO_OFFSET, e);
        }
    }

    static ShardedWal assemble(final WalOptions options, final Router router, final ShardSegments[] segments,
        final Shard[] shards, final ShardMetrics[] metrics, final WalLock lock, final Housekeeping housekeeping,
        final RecoveryReport report, final CheckpointLog checkpointLog, final WalCheckpoints checkpoints)
    {
        return new ShardedWal(options, router, segments, shards, metrics, lock, housekeeping, report, checkpointLog,
            checkpoints);
    }

    static Path shardDirectory(final Path directory, final int shard)
    {
        return directory.resolve(String.format("shard_%02d", shard));
    }

    public WalOptions options()
    {
        return options;
    }

    public Path directory()
    {
        return directory;
    }

    public int shardCount()
    {
        return segments.length;
    }

    public boolean isReadOnly()
    {
        return shards == null;
    }

    /** What recovery found when this log was opened for writing (null for read-only opens). */
    public RecoveryReport recoveryReport()
    {
        return recoveryReport;
    }

    public int shardFor(final byte[] key)
    {
        return router.shard(key);
    }

    public int shardFor(final ByteBuffer key)
    {
        return router.shard(key);
    }

    public int shardFor(final MemorySegment key)
    {
        return router.shard(key);
    }

    // ---------------------------------------------------------------------------------------------------- appends

    /**
     * Appends one record; returns its {@link RecordAddress} (shard and position). Allocates nothing.
     *
     * @throws IllegalArgumentException if the key or value exceeds the configured maximum.
     * @throws ShardwalException        CLOSED, FAILED (an earlier msync failed), IO (the next segment could not be
     *                                  created, e.g. disk full: the append did not happen; a later one may succeed).
     */
    public long append(final byte[] key, final byte[] value)
    {
        checkWritable();
        checkSizes(key.length, value.length);
        final WriterContext context = WriterContext.current();
        final boolean timed = context.timeThisAppend(timingInterval);
        final long start = timed ? System.nanoTime() : 0;
        final int shardId = context.shard(router, key);
        final Shard shard = shards[shardId];
        final long position = shard.append(key, value, context.workspace);
        return finish(shard, shardId, position, timed, start);
    }

    /** Appends the remaining bytes of {@code key} and {@code value} (their positions are not changed). */
    public long append(final ByteBuffer key, final ByteBuffer value)
    {
        return append(MemorySegment.ofBuffer(key), MemorySegment.ofBuffer(value));
    }

    public long append(final MemorySegment key, final MemorySegment value)
    {
        checkWritable();
        checkSizes(key.byteSize(), value.byteSize());
        final WriterContext context = WriterContext.current();
        final boolean timed = context.timeThisAppend(timingInterval);
        final long start = timed ? System.nanoTime() : 0;
        final int shardId = router.shard(key);
        final Shard shard = shards[shardId];
        final long position = shard.append(key, value, context.workspace);
        return finish(shard, shardId, position, timed, start);
    }

    private long finish(final Shard shard, final int shardId, final long position, final boolean timed,
        final long start)
    {
        if (strict)
        {
            shard.awaitDurable();
        }
        if (timed)
        {
            shard.metrics.recordAppend(System.nanoTime() - start);
        }
        return ((long)shardId << 48) | position;
    }

    /**
     * Claims a record for {@code key} with a value of {@code valueLength} bytes, for zero-copy writing: the key is
     * written, the value is the caller's to write through {@code claim}, then {@link WalClaim#commit()}.
     *
     * @return the record's address.
     */
    public long tryClaim(final byte[] key, final int valueLength, final WalClaim claim)
    {
        checkWritable();
        checkSizes(key.length, valueLength);
        if (claim.isActive())
        {
            throw new IllegalStateException("the claim is still open: commit or abort it first");
        }
        final int shardId = router.shard(key);
        final Shard shard = shards[shardId];
        final long position = shard.tryClaim(key.length, valueLength, claim.frame);
        claim.frame.putKey(key);
        claim.bind(shard, strict);
        return ((long)shardId << 48) | position;
    }

    /** A reusable batch for {@link #appendBatch}. */
    public WalBatch newBatch()
    {
        return new WalBatch(this);
    }

    /**
     * Appends every record of {@code batch}: each shard's records as one contiguous batch with one commit (all or
     * nothing within a shard after a crash; not atomic across shards). In STRICT and BATCH_ONLY mode it returns
     * after every involved shard's part is msynced. Addresses are in {@link WalBatch#address(int)}.
     */
    public void appendBatch(final WalBatch batch)
    {
        if (batch.wal() != this)
        {
            throw new IllegalArgumentException("the batch was made by another log");
        }
        if (batch.size() == 0)
        {
            return;
        }
        batch.appendTo(shards, durableBatches);
    }

    /** Makes every record committed before this call durable (msync of every shard), whatever the mode. */
    public void sync()
    {
        checkWritable();
        for (final Shard shard : shards)
        {
            shard.awaitDurable();
        }
    }

    void checkBatchable(final long keyLength, final long valueLength)
    {
        checkWritable();
        checkSizes(keyLength, valueLength);
    }

    void checkSizes(final long keyLength, final long valueLength)
    {
        if (keyLength > options.maxKeySize() || valueLength > options.maxValueSize() || valueLength < 0)
        {
            throw new IllegalArgumentException("record with a " + keyLength + "-byte key and a " + valueLength
                + "-byte value exceeds the limits of this log (maxKeySize " + options.maxKeySize() + ", maxValueSize "
                + options.maxValueSize() + ")");
        }
    }

    private void checkWritable()
    {
        if (shards == null)
        {
            throw new IllegalStateException("the log in " + directory + " is open read-only");
        }
    }

    // ---------------------------------------------------------------------------------------------------- reading

    /** A live reader of {@code shard} starting at {@code fromPosition} (a record position, a checkpoint, or 0). */
    public Tailer tailer(final int shard, final long fromPosition)
    {
        checkShard(shard);
        checkOpen();
        return new Tailer(shard, segments[shard], options.segmentSize(), fromPosition);
    }

    /**
     * Reads the records of {@code shard} with positions in {@code [from, to)} that are committed now, in order.
     * {@code to} may be {@code Long.MAX_VALUE} for "up to the committed frontier". {@code from} must be a record
     * position (not inside a record: {@link Tailer}) not after {@code to}, else an {@link IllegalArgumentException}.
     *
     * @return the number of records delivered.
     */
    public long iterShard(final int shard, final long from, final long to, final RecordHandler handler)
    {
        checkShard(shard);
        return WalReads.iterShard(this, shard, from, to, handler);
    }

    /** {@link #replay(long[], long[], RecordHandler, int)} of every shard from its first record to its end. */
    public long replay(final RecordHandler handler, final int parallelism)
    {
        return WalReads.replay(this, null, null, handler, parallelism);
    }

    /**
     * Reads each shard {@code i} over {@code [from[i], to[i])} (from its first record, to its committed frontier at
     * most), shards in parallel on {@code parallelism} threads; {@code from[i]} must be a record position (see
     * {@link #iterShard}). {@code handler} is called concurrently for different shards (in order within a shard), so
     * it must be thread-safe. A replay longer than {@link WalOptions#progressInterval()} logs its progress.
     *
     * @return the number of records delivered.
     */
    public long replay(final long[] from, final long[] to, final RecordHandler handler, final int parallelism)
    {
        return WalReads.replay(this, Objects.requireNonNull(from, "from"), Objects.requireNonNull(to, "to"), handler,
            parallelism);
    }

    /** End of the longest prefix of committed records of {@code shard} (advanced by this call). */
    public long committedPosition(final int shard)
    {
        checkShard(shard);
        checkOpen();
        return shards != null ? shards[shard].advanceCommitted()
            : ReadOnlyFrontier.committed(segments[shard], metrics[shard]);
    }

    /**
     * End of the longest prefix of {@code shard} known to be committed and msynced (for read-only opens: unknown,
     * -1). Records above it may be durable too: a STRICT append returns once an msync covering its own frame has
     * succeeded, even while an earlier, slower append below it is still being written (no writer waits for
     * another); the prefix catches up at the next sync.
     */
    public long durablePosition(final int shard)
    {
        checkShard(shard);
        return shards != null ? shards[shard].durablePosition() : -1;
    }

    /** Position of the oldest record on disk in {@code shard}; a read-only view lists the directory for it. */
    public long firstPosition(final int shard)
    {
        checkShard(shard);
        return segments[shard].firstPosition();
    }

    /**
     * One snapshot of the log's metrics: per shard (records, bytes, positions, segments, rolls, msyncs, latency
     * percentiles since open), totals, latency over all shards and record skew. For read-only opens only what the
     * files tell: positions, segments, records walked.
     */
    public WalStats stats()
    {
        return WalReads.stats(this, shards, metrics, segments);
    }

    // ------------------------------------------------------------------------------------------------ checkpoints

    /**
     * Creates a consistent checkpoint across all shards: every append that returned before this call lies at or
     * below the recorded positions, which are msynced (in every mode) before the entry is appended to
     * {@code checkpoints.log} and HEAD is replaced. Ids are 1..65535 bytes and unique: an id the log already holds
     * is refused.
     *
     * @throws IllegalArgumentException for an empty, too long or existing id.
     * @throws ShardwalException        TIMEOUT if an append claimed before the call does not commit within the
     *                                  commit-wait timeout; IO if the checkpoint log cannot be written.
     */
    public Checkpoint createCheckpoint(final byte[] id)
    {
        checkWritable();
        checkOpen();
        try
        {
            return checkpoints.create(id);
        }
        catch (final IOException e)
        {
            throw checkpointIo("create checkpoint " + Checkpoint.idText(id), e);
        }
    }

    /** {@link #createCheckpoint(byte[])} with the UTF-8 bytes of {@code id}. */
    public Checkpoint createCheckpoint(final String id)
    {
        return createCheckpoint(id.getBytes(StandardCharsets.UTF_8));
    }

    /** @throws ShardwalException NOT_FOUND if the log holds no such checkpoint. */
    public Checkpoint loadCheckpoint(final byte[] id)
    {
        return checkpointLog.require(id);
    }

    public Checkpoint loadCheckpoint(final String id)
    {
        return loadCheckpoint(id.getBytes(StandardCharsets.UTF_8));
    }

    /** The newest checkpoint in log order (the one recovery starts from), if any. */
    public Optional<Checkpoint> loadLatestCheckpoint()
    {
        return checkpointLog.latest();
    }

    /** Every checkpoint, oldest first. */
    public List<Checkpoint> listCheckpoints()
    {
        return checkpointLog.list();
    }

    public int checkpointCount()
    {
        return checkpointLog.count();
    }

    /**
     * Reads every shard from the checkpoint's position to its committed frontier, shard after shard.
     *
     * @return the number of records delivered.
     * @throws ShardwalException PRUNED if records above the checkpoint were pruned in some shard (nothing is read).
     */
    public long replayFrom(final byte[] checkpointId, final RecordHandler handler)
    {
        return CheckpointReads.replayFrom(this, checkpointId, handler);
    }

    /**
     * The records of {@code shard} written between two checkpoints: {@code [from's position, to's position)}.
     *
     * @throws ShardwalException PRUNED if records above {@code fromCheckpoint} were pruned in this shard.
     */
    public long iterShard(final int shard, final byte[] fromCheckpoint, final byte[] toCheckpoint,
        final RecordHandler handler)
    {
        return CheckpointReads.iterShard(this, shard, fromCheckpoint, toCheckpoint, handler);
    }

    /**
     * Deletes, in every shard, the whole segments below the checkpoint (never the active or a prepared one) and
     * syncs the directories. A tailer reading a pruned segment keeps its mapping and moves on; opening a pruned
     * segment afterwards fails with PRUNED.
     *
     * @return the number of segment files deleted and their bytes.
     * @throws IllegalStateException if the log has a {@link PruneGuard} (an ingest log: prune it through the
     *                               ingest); nothing is deleted.
     */
    public PruneResult pruneBefore(final byte[] checkpointId)
    {
        return pruneBefore(checkpointId, null);
    }

    /**
     * {@link #pruneBefore(byte[])} by the owner of the log's {@link PruneGuard}, once it has taken the step the guard
     * stands for (the ingest's prune calls this after carrying its series definitions forward). Passing an owner
     * without taking its step deletes what the guard protects.
     *
     * @throws IllegalStateException if the log has a guard of another owner; nothing is deleted.
     */
    public PruneResult pruneBefore(final byte[] checkpointId, final String guardOwner)
    {
        checkWritable();
        checkOpen();
        try
        {
            return checkpoints.pruneBefore(checkpointId, guardOwner);
        }
        catch (final IOException e)
        {
            throw checkpointIo("prune before checkpoint " + Checkpoint.idText(checkpointId), e);
        }
    }

    /** Rewrites {@code checkpoints.log} keeping its newest {@code keep} entries; concurrent creations are kept. */
    public CheckpointLog.Compaction compactCheckpoints(final int keep)
    {
        checkWritable();
        checkOpen();
        try
        {
            return checkpoints.compact(keep);
        }
        catch (final IOException e)
        {
            throw checkpointIo("compact " + CheckpointLog.FILE_NAME, e);
        }
    }

    private ShardwalException checkpointIo(final String what, final IOException e)
    {
        return new ShardwalException(ShardwalException.Category.IO, "cannot " + what + ": " + e.getMessage(),
            directory.resolve(CheckpointLog.FILE_NAME), ShardwalException.NO_OFFSET, e);
    }

    Shard shard(final int shard)
    {
        return shards[shard];
    }

    ShardSegments segments(final int shard)
    {
        return segments[shard];
    }

    void checkShard(final int shard)
    {
        if (shard < 0 || shard >= segments.length)
        {
            throw new IllegalArgumentException("shard " + shard + " does not exist: this log has " + segments.length
                + " shards (0.." + (segments.length - 1) + ")");
        }
    }

    private void checkOpen()
    {
        if (closed.get())
        {
            throw new ShardwalException(ShardwalException.Category.CLOSED, "the log is closed", directory,
                ShardwalException.NO_OFFSET);
        }
    }

    /**
     * Closes the log: stops the background threads, msyncs everything committed (in every mode), records a clean
     * stop in {@code LOCK}, releases every mapping and the lock. Idempotent: a call racing another returns once
     * that one is over (so the lock is free when any call returns). Appends and reads racing the close fail with
     * CLOSED.
     *
     * @throws ShardwalException FAILED if a shard had failed (an msync error) or its final msync fails: everything is
     *                           released all the same, but the stop is not recorded as clean, so the next open
     *                           recovers the log as after a crash and msyncs it again.
     */
    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            WalLifecycle.awaitClosed(closeDone);
            return;
        }
        try
        {
            WalLifecycle.close(shards, segments, lock, housekeeping, checkpointLog, directory);
        }
        finally
        {
            closeDone.countDown();
        }
    }

    @Override
    public String toString()
    {
        return "ShardedWal{" + directory + ", " + segments.length + " shards, " + options.syncMode()
            + (isReadOnly() ? ", read-only" : "") + (closed.get() ? ", closed" : "") + '}';
    }
}
