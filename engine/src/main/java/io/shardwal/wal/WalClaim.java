package io.shardwal.wal;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

import io.shardwal.mmap.FrameClaim;
import io.shardwal.mmap.ShardwalException;

/**
 * A reusable zero-copy claim on the log: {@link ShardedWal#tryClaim} routes the key, claims the frame and writes
 * the key; the owner writes the value straight into mapped memory, then {@link #commit()}s (in STRICT mode this
 * also waits for the group-commit msync) or {@link #abort()}s. {@link #close()} aborts a claim that is still
 * open — an unfinished record is never committed. Value bytes outside the claimed length are refused
 * ({@link IllegalArgumentException} from {@code putValue}), never written into another frame.
 *
 * <p>Keep claims short: while a claim is open, the shard's committed frontier (and so tailers and checkpoints)
 * cannot pass it. A claim that holds it for {@link WalOptions#claimTimeout()} is padded over, and its
 * {@link #commit()} then fails.
 *
 * <p><b>When to use it.</b> For values built in place: {@code commit()} reads the record back to checksum it. For a
 * value already in a {@code byte[]}, {@link ShardedWal#append(byte[], byte[])} is the faster call ({@link FrameClaim}
 * says why).
 *
 * <p><b>Threads.</b> Not thread-safe: one claim per thread, reused.
 */
public final class WalClaim implements AutoCloseable
{
    final FrameClaim frame = new FrameClaim();
    private Shard shard;
    private boolean durableOnCommit;
    /** The claimed value as a slice of the mapping, made on the first {@link #buffer()} call of a claim. */
    private MemorySegment value;

    void bind(final Shard shard, final boolean durableOnCommit)
    {
        this.shard = shard;
        this.durableOnCommit = durableOnCommit;
        this.value = null;
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

    /**
     * Mapped memory to write the value into, at {@link #valueOffset()}: exactly the claimed value's
     * {@link #valueLength()} bytes, so that a write past them fails ({@link IndexOutOfBoundsException}) instead of
     * landing in the next frame or ahead of the tail. Valid until the claim is committed or aborted.
     */
    public MemorySegment buffer()
    {
        if (!frame.isActive())
        {
            throw new IllegalStateException("no active claim: tryClaim first; the buffer of a committed or aborted "
                + "claim is not writable");
        }
        MemorySegment slice = value;
        if (slice == null)
        {
            slice = frame.buffer().asSlice(frame.valueOffset(), frame.valueLength());
            value = slice;
        }
        return slice;
    }

    /** Offset of the value in {@link #buffer()}: 0, as the buffer holds just the value. */
    public long valueOffset()
    {
        return 0;
    }

    public int valueLength()
    {
        return frame.valueLength();
    }

    public WalClaim putValue(final int valueIndex, final byte[] bytes, final int from, final int count)
    {
        try
        {
            frame.putValue(valueIndex, bytes, from, count);
        }
        catch (final IndexOutOfBoundsException e)
        {
            throw outOfBounds(e);
        }
        return this;
    }

    public WalClaim putValue(final int valueIndex, final ByteBuffer bytes)
    {
        try
        {
            frame.putValue(valueIndex, bytes);
        }
        catch (final IndexOutOfBoundsException e)
        {
            throw outOfBounds(e);
        }
        return this;
    }

    public WalClaim putValue(final int valueIndex, final MemorySegment bytes)
    {
        try
        {
            frame.putValue(valueIndex, bytes);
        }
        catch (final IndexOutOfBoundsException e)
        {
            throw outOfBounds(e);
        }
        return this;
    }

    private IllegalArgumentException outOfBounds(final IndexOutOfBoundsException e)
    {
        return new IllegalArgumentException("claim of shard " + shard.id + " at position " + frame.position() + ": "
            + e.getMessage() + "; nothing was written", e);
    }

    /**
     * Publishes the record (and in STRICT mode waits until it is durable); returns its address.
     *
     * @throws ShardwalException TIMEOUT if the claim stayed open longer than {@link WalOptions#claimTimeout()} and
     *                           was padded over: nothing was written.
     */
    public long commit()
    {
        final long address = address();
        try
        {
            frame.commit();
        }
        catch (final ShardwalException e)
        {
            throw ClaimUnblocker.inShard(shard.id, e);
        }
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
