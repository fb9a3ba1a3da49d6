package io.shardwal.wal;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

import io.shardwal.mmap.FrameClaim;

/**
 * A reusable zero-copy claim on the log: {@link ShardedWal#tryClaim} routes the key, claims the frame and writes
 * the key; the owner writes the value straight into mapped memory, then {@link #commit()}s (in STRICT mode this
 * also waits for the group-commit msync) or {@link #abort()}s. {@link #close()} aborts a claim that is still open —
 * an unfinished record is never committed.
 *
 * <p>Keep claims short: while a claim is open, the shard's committed frontier (and so checkpoints) cannot pass it.
 *
 * <p><b>Threads.</b> Not thread-safe: one claim per thread, reused.
 */
public final class WalClaim implements AutoCloseable
{
    final FrameClaim frame = new FrameClaim();
    private Shard shard;
    private boolean durableOnCommit;

    void bind(final Shard shard, final boolean durableOnCommit)
    {
        this.shard = shard;
        this.durableOnCommit = durableOnCommit;
    }

    public boolean isActive()
    {
        return frame.isActive();
    }

    public int shard()
    {
        return shard.id;
    }

    public long position()
    {
        return frame.position();
    }

    public long address()
    {
        return RecordAddress.of(shard.id, frame.position());
    }

    /** Mapped memory to write the value into, at {@link #valueOffset()}. */
    public MemorySegment buffer()
    {
        return frame.buffer();
    }

    public long valueOffset()
    {
        return frame.valueOffset();
    }

    public int valueLength()
    {
        return frame.valueLength();
    }

    public WalClaim putValue(final int valueIndex, final byte[] bytes, final int from, final int count)
    {
        frame.putValue(valueIndex, bytes, from, count);
        return this;
    }

    public WalClaim putValue(final int valueIndex, final ByteBuffer bytes)
    {
        frame.putValue(valueIndex, bytes);
        return this;
    }

    public WalClaim putValue(final int valueIndex, final MemorySegment bytes)
    {
        frame.putValue(valueIndex, bytes);
        return this;
    }

    /** Publishes the record (and in STRICT mode waits until it is durable); returns its address. */
    public long commit()
    {
        final long address = address();
        frame.commit();
        if (durableOnCommit)
        {
            shard.awaitDurable();
        }
        return address;
    }

    public void abort()
    {
        frame.abort();
    }

    @Override
    public void close()
    {
        frame.close();
    }
}
