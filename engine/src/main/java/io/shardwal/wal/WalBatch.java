package io.shardwal.wal;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;

import io.shardwal.mmap.BatchSource;

/**
 * Records to append together with {@link ShardedWal#appendBatch}. The records of each shard are written as one
 * contiguous batch with a single commit: after a crash, a shard holds either all of its part of the batch or none
 * of it. A batch is <em>not</em> atomic across shards: each shard's part commits on its own.
 *
 * <p>Reusable: {@link #clear()} and fill again. Keys and values are referenced, not copied, until the append:
 * don't change them in between. Not thread-safe.
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

    /** Where record {@code index} was written ({@link RecordAddress}); valid after the batch was appended. */
    public long address(final int index)
    {
        checkIndex(index);
        if (!appended)
        {
            throw new IllegalStateException("the batch has not been appended yet");
        }
        return addresses[index];
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
