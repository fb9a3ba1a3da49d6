package io.shardwal.mmap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * A reusable flyweight over one claimed frame, for zero-copy writes: {@link SegmentAppender#tryClaim} wraps it
 * around the claimed bytes, the owner writes the key and value straight into the mapping, then calls
 * {@link #commit()} (or {@link #abort()}). {@link #close()} on a claim that was neither aborts it — an unfinished
 * frame is never committed.
 *
 * <p>It is also the per-thread workspace of the copying appends (it owns the checksum state).
 *
 * <p><b>When to use it.</b> For values built in place. {@code commit()} checksums the value by reading back the bytes
 * just stored, while the CPU may still be fetching their cache lines; a copying append checksums its source before
 * it stores it. For a value already in a {@code byte[]}, the copying append is the faster call (a 64-byte value:
 * 24 ns against 68 ns, bench/RESULTS.md, run AZ).
 *
 * <p><b>Threads.</b> Not thread-safe: one claim per writer thread, reused for every append of that thread.
 * The claimed range is exclusively the owner's until commit or abort, unless {@link SegmentAppender#unblock} pads
 * over a claim left open too long: the commit then fails and publishes nothing.
 */
public final class FrameClaim implements AutoCloseable
{
    final Checksummer checksummer = new Checksummer();

    private MappedSegment segment;
    private MemorySegment data;
    private long offset;
    private int length;
    private int keyLength;
    private boolean active;

    void wrap(final MappedSegment segment, final long offset, final int length, final int keyLength)
    {
        this.segment = segment;
        this.data = segment.data();
        this.offset = offset;
        this.length = length;
        this.keyLength = keyLength;
        this.active = true;
    }

    /** True between a successful {@code tryClaim} and {@code commit}/{@code abort}. */
    public boolean isActive()
    {
        return active;
    }

    /** Position of the claimed frame. */
    public long position()
    {
        return segment.basePosition() + offset;
    }

    /** The segment's whole data region; write the key and value at {@link #keyOffset()} / {@link #valueOffset()}. */
    public MemorySegment buffer()
    {
        return data;
    }

    public long keyOffset()
    {
        return offset + FrameDescriptor.HEADER_LENGTH;
    }

    public int keyLength()
    {
        return keyLength;
    }

    public long valueOffset()
    {
        return offset + FrameDescriptor.HEADER_LENGTH + keyLength;
    }

    public int valueLength()
    {
        return length - FrameDescriptor.HEADER_LENGTH - keyLength;
    }

    /** Copies {@code key} (exactly {@link #keyLength()} bytes) into the frame. */
    public FrameClaim putKey(final byte[] key)
    {
        checkActive();
        if (key.length != keyLength)
        {
            throw new IllegalArgumentException("key is " + key.length + " bytes, the claim is for " + keyLength);
        }
        try
        {
            MemorySegment.copy(key, 0, data, ValueLayout.JAVA_BYTE, keyOffset(), keyLength);
        }
        catch (final IllegalStateException e)
        {
            throw segment.closedOr(e);
        }
        return this;
    }

    /** Copies {@code bytes[from, from + count)} into the value at {@code valueIndex}. */
    public FrameClaim putValue(final int valueIndex, final byte[] bytes, final int from, final int count)
    {
        checkActive();
        checkValueRange(valueIndex, count);
        try
        {
            MemorySegment.copy(bytes, from, data, ValueLayout.JAVA_BYTE, valueOffset() + valueIndex, count);
        }
        catch (final IllegalStateException e)
        {
            throw segment.closedOr(e);
        }
        return this;
    }

    /** Copies the remaining bytes of {@code bytes} into the value at {@code valueIndex}; its position is kept. */
    public FrameClaim putValue(final int valueIndex, final ByteBuffer bytes)
    {
        checkActive();
        checkValueRange(valueIndex, bytes.remaining());
        try
        {
            MemorySegment.copy(MemorySegment.ofBuffer(bytes), 0, data, valueOffset() + valueIndex, bytes.remaining());
        }
        catch (final IllegalStateException e)
        {
            throw segment.closedOr(e);
        }
        return this;
    }

    /** Copies {@code bytes} into the value at {@code valueIndex}. */
    public FrameClaim putValue(final int valueIndex, final MemorySegment bytes)
    {
        checkActive();
        checkValueRange(valueIndex, bytes.byteSize());
        try
        {
            MemorySegment.copy(bytes, 0, data, valueOffset() + valueIndex, bytes.byteSize());
        }
        catch (final IllegalStateException e)
        {
            throw segment.closedOr(e);
        }
        return this;
    }

    /**
     * Checksums the frame and publishes it: after this store, readers in any thread or process see the whole frame.
     *
     * @throws ShardwalException TIMEOUT if {@link SegmentAppender#unblock} padded over the claim first: nothing was
     *                           published.
     */
    public void commit()
    {
        checkActive();
        active = false;
        try
        {
            final int body = checksummer.of(data, keyOffset(), length - FrameDescriptor.HEADER_LENGTH);
            if (!FrameDescriptor.commitData(data, offset, position(), length, keyLength, body))
            {
                throw SegmentAppender.unblocked(segment, offset);
            }
        }
        catch (final IllegalStateException e)
        {
            throw segment.closedOr(e);
        }
        catch (final InternalError e)
        {
            throw segment.truncated(e);
        }
    }

    /**
     * Turns the claimed frame into padding that readers skip (or leaves it to the padding
     * {@link SegmentAppender#unblock} already made of it).
     */
    public void abort()
    {
        checkActive();
        active = false;
        try
        {
            SegmentAppender.padOver(data, segment.basePosition(), offset, length);
        }
        catch (final IllegalStateException e)
        {
            throw segment.closedOr(e);
        }
        catch (final InternalError e)
        {
            throw segment.truncated(e);
        }
    }

    /** Aborts the claim if it is still active; never commits. */
    @Override
    public void close()
    {
        if (active)
        {
            abort();
        }
    }

    private void checkActive()
    {
        if (!active)
        {
            throw new IllegalStateException("no active claim: tryClaim first, and commit or abort only once");
        }
    }

    private void checkValueRange(final int valueIndex, final long count)
    {
        if (valueIndex < 0 || count < 0 || valueIndex > valueLength() - count)
        {
            throw new IndexOutOfBoundsException("value bytes [" + valueIndex + ", " + valueIndex + " + " + count
                + ") are outside the claimed value of " + valueLength() + " bytes");
        }
    }
}
