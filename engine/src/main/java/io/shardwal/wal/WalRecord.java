package io.shardwal.wal;

import java.lang.foreign.MemorySegment;

import io.shardwal.mmap.FrameView;

/**
 * A flyweight over one committed record in mapped memory: shard, position, key and value. Valid only during the
 * callback that receives it. Offsets are into {@link #buffer()}; the methods returning segments or arrays allocate,
 * the others do not.
 */
public final class WalRecord
{
    private int shard;
    private FrameView frame;

    void wrap(final int shard, final FrameView frame)
    {
        this.shard = shard;
        this.frame = frame;
    }

    public int shard()
    {
        return shard;
    }

    public long position()
    {
        return frame.position();
    }

    /** Shard and position packed as by {@link RecordAddress}. */
    public long address()
    {
        return RecordAddress.of(shard, frame.position());
    }

    /** Mapped memory holding the record. */
    public MemorySegment buffer()
    {
        return frame.buffer();
    }

    public long keyOffset()
    {
        return frame.keyOffset();
    }

    public int keyLength()
    {
        return frame.keyLength();
    }

    public long valueOffset()
    {
        return frame.valueOffset();
    }

    public int valueLength()
    {
        return frame.valueLength();
    }

    /** A read-only slice of the key (allocates the slice, copies nothing). */
    public MemorySegment key()
    {
        return frame.key();
    }

    /** A read-only slice of the value (allocates the slice, copies nothing). */
    public MemorySegment value()
    {
        return frame.value();
    }

    public byte[] keyBytes()
    {
        return frame.keyBytes();
    }

    public byte[] valueBytes()
    {
        return frame.valueBytes();
    }

    /** Bytes the record occupies in its segment: frame header, key, value and alignment. */
    public int frameLength()
    {
        return frame.alignedLength();
    }

    @Override
    public String toString()
    {
        return "WalRecord{shard=" + shard + ", position=" + position() + ", keyLength=" + keyLength()
            + ", valueLength=" + valueLength() + '}';
    }
}
