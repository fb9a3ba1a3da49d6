package io.shardwal.wal;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;

import io.shardwal.mmap.BatchSource;
import io.shardwal.mmap.ShardwalException;

/**
 * Records to append together with {@link ShardedWal#appendBatch}. The records of each shard are written as one
 * contiguous batch with a single commit: after a crash, a shard holds either all of its part of the batch or none
 * of it. A batch is <em>not</em> atomic across shards: each shard's part commits on its own.
 *
 * <p>Reusable: {@link #clear()} and fill again. Appending a batch again before clearing it is refused once every
 * record is in the log, and writes only the missing parts after an append that failed in part. Keys and values
 * are referenced, not copied, until the append: don't change them in between. Not thread-safe.
 */
public final class WalBatch
{
    private final ShardedWal wal;
    private MemorySegment[] keys = new MemorySegment[16];
    private MemorySegment[] values = new MemorySegment[16];
    private int[] shards = new int[16];
    private long[] addresses = new long[16];
    private int size;
    private boolean appended;

    WalBatch(final ShardedWal wal)
    {
        this.wal = wal;
    }

    ShardedWal wal()
    {
        return wal;
    }

    public WalBatch add(final byte[] key, final byte[] value)
    {
        return add(MemorySegment.ofArray(key), MemorySegment.ofArray(value));
    }

    /** Adds the remaining bytes of {@code key} and {@code value} (their positions are not changed). */
    public WalBatch add(final ByteBuffer key, final ByteBuffer value)
    {
        return add(MemorySegment.ofBuffer(key), MemorySegment.ofBuffer(value));
    }

    public WalBatch add(final MemorySegment key, final MemorySegment value)
    {
        if (appended)
        {
            throw new IllegalStateException("this batch was appended: clear() it before adding to it again");
        }
        wal.checkBatchable(key.byteSize(), value.byteSize());
        if (size == keys.length)
        {
            final int capacity = size * 2;
            keys = Arrays.copyOf(keys, capacity);
            values = Arrays.copyOf(values, capacity);
            shards = Arrays.copyOf(shards, capacity);
            addresses = Arrays.copyOf(addresses, capacity);
        }
        keys[size] = key;
        values[size] = value;
        shards[size] = wal.shardFor(key);
        addresses[size] = -1;
        size++;
        return this;
    }

    public int size()
    {
        return size;
    }

    /** The shard record {@code index} is routed to. */
    public int shardOf(final int index)
    {
        checkIndex(index);
        return shards[index];
    }

    /**
     * Where record {@code index} was written ({@link RecordAddress}).
     *
     * @throws IllegalStateException if the record was not appended (the batch was not appended, or its shard's
     *                               part failed — see {@link #isAppended(int)}).
     */
    public long address(final int index)
    {
        checkIndex(index);
        if (!isAppended(index))
        {
            throw new IllegalStateException(appended ? "record " + index + " was not appended: the part of this "
                + "batch for shard " + shards[index] + " failed" : "the batch has not been appended yet");
        }
        return addresses[index];
    }

    /**
     * Whether record {@code index} is in the log. After {@link ShardedWal#appendBatch} succeeded, every record is;
     * after it failed on a later shard, the records of the shards whose parts committed are (and keep their
     * addresses; in STRICT and BATCH_ONLY mode they were msynced before the failure was thrown, unless it carries
     * that msync's failure as suppressed), the others are not — so a caller can retry exactly those: appending
     * the batch again writes only the parts that are not in the log.
     */
    public boolean isAppended(final int index)
    {
        checkIndex(index);
        return appended && addresses[index] >= 0;
    }

    public WalBatch clear()
    {
        Arrays.fill(keys, 0, size, null);
        Arrays.fill(values, 0, size, null);
        size = 0;
        appended = false;
        return this;
    }

    private void checkIndex(final int index)
    {
        if (index < 0 || index >= size)
        {
            throw new IndexOutOfBoundsException("record " + index + " of a batch of " + size);
        }
    }

    /**
     * Appends this batch to {@code shards}: each shard's records as one contiguous batch, then (if
     * {@code durable}) waits for every touched shard's msync. See {@link ShardedWal#appendBatch}.
     */
    void appendTo(final Shard[] shards, final boolean durable)
    {
        if (appended && !isAppendedInPart())
        {
            throw new IllegalStateException("this batch was appended: clear() it before appending it again");
        }
        final Part part = new Part();
        final long[] positions = new long[size];
        final boolean[] touched = new boolean[shards.length];
        for (int shardId = 0; shardId < shards.length; shardId++)
        {
            // A part that committed before an earlier attempt failed is in the log already: retry only the others.
            if (selectShard(shardId, part) == 0 || addresses[part.indices[0]] >= 0)
            {
                continue;
            }
            try
            {
                shards[shardId].appendBatch(part, positions, WriterContext.current().workspace);
            }
            catch (final IllegalArgumentException e)
            {
                throw afterFailure(shards, touched, durable, WalReads.partialBatch(this, touched, shardId,
                    new IllegalArgumentException("the " + part.size() + " records of this batch for shard " + shardId
                        + " cannot be written as one batch: " + e.getMessage(), e)));
            }
            catch (final ShardwalException e)
            {
                throw afterFailure(shards, touched, durable, WalReads.partialBatch(this, touched, shardId, e));
            }
            setAddresses(shardId, part, positions);
            touched[shardId] = true;
        }
        markAppended();
        if (durable)
        {
            awaitDurable(shards, touched);
        }
    }

    /** Whether an earlier append of this batch left some records out (a later shard's part failed). */
    private boolean isAppendedInPart()
    {
        for (int i = 0; i < size; i++)
        {
            if (addresses[i] < 0)
            {
                return true;
            }
        }
        return false;
    }

    private static void awaitDurable(final Shard[] shards, final boolean[] touched)
    {
        for (int shardId = 0; shardId < shards.length; shardId++)
        {
            if (touched[shardId])
            {
                shards[shardId].awaitDurable();
            }
        }
    }

    /**
     * The parts that committed before {@code failure} are reported as appended, so in a durable mode they must be
     * durable like those of a batch that succeeded; if that msync fails too, its error is added to the failure.
     */
    private static RuntimeException afterFailure(final Shard[] shards, final boolean[] touched,
        final boolean durable, final RuntimeException failure)
    {
        if (durable)
        {
            try
            {
                awaitDurable(shards, touched);
            }
            catch (final RuntimeException e)
            {
                failure.addSuppressed(e);
            }
        }
        return failure;
    }

    /** Fills {@code part} with this batch's records for {@code shard}; returns how many there are. */
    int selectShard(final int shard, final Part part)
    {
        part.count = 0;
        if (part.indices.length < size)
        {
            part.indices = new int[keys.length];
        }
        for (int i = 0; i < size; i++)
        {
            if (shards[i] == shard)
            {
                part.indices[part.count++] = i;
            }
        }
        return part.count;
    }

    void setAddresses(final int shard, final Part part, final long[] positions)
    {
        for (int i = 0; i < part.count; i++)
        {
            addresses[part.indices[i]] = RecordAddress.of(shard, positions[i]);
        }
    }

    void markAppended()
    {
        appended = true;
    }

    /** One shard's records of a batch, as the mmap layer reads them. Reused across shards and batches. */
    final class Part implements BatchSource
    {
        private int[] indices = new int[16];
        private int count;

        @Override
        public int size()
        {
            return count;
        }

        @Override
        public int keyLength(final int index)
        {
            return (int)keys[indices[index]].byteSize();
        }

        @Override
        public int valueLength(final int index)
        {
            return (int)values[indices[index]].byteSize();
        }

        @Override
        public void copyKey(final int index, final MemorySegment destination, final long offset)
        {
            final MemorySegment key = keys[indices[index]];
            MemorySegment.copy(key, 0, destination, offset, key.byteSize());
        }

        @Override
        public void copyValue(final int index, final MemorySegment destination, final long offset)
        {
            final MemorySegment value = values[indices[index]];
            MemorySegment.copy(value, 0, destination, offset, value.byteSize());
        }
    }
}
