package io.shardwal.mmap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A flyweight over one committed DATA frame in mapped memory, valid only during the callback that receives it.
 * Offsets are into {@link #buffer()}; the accessors that return segments or arrays allocate, the rest do not.
 */
public final class FrameView
{
    private MemorySegment buffer;
    private long position;
    private long frameOffset;
    private int keyLength;
    private int valueLength;

    void wrap(final MemorySegment buffer, final long position, final long frameOffset, final int keyLength,
        final int valueLength)
    {
        this.buffer = buffer;
        this.position = position;
        this.frameOffset = frameOffset;
        this.keyLength = keyLength;
        this.valueLength = valueLength;
    }

    /** The frame's position in its log. */
    public long position()
    {
        return position;
    }

    /** Mapped memory holding the frame (a segment's whole data region). */
    public MemorySegment buffer()
    {
        return buffer;
    }

    /** Offset of the frame header in {@link #buffer()}. */
    public long frameOffset()
    {
        return frameOffset;
    }

    public long keyOffset()
    {
        return frameOffset + FrameDescriptor.HEADER_LENGTH;
    }

    public int keyLength()
    {
        return keyLength;
    }

    public long valueOffset()
    {
        return frameOffset + FrameDescriptor.HEADER_LENGTH + keyLength;
    }

    public int valueLength()
    {
        return valueLength;
    }

    /** Bytes the frame occupies in the segment, alignment included. */
    public int alignedLength()
    {
        return FrameDescriptor.align(FrameDescriptor.HEADER_LENGTH + keyLength + valueLength);
    }

    /** A read-only slice of the key (allocates the slice object, copies nothing). */
    public MemorySegment key()
    {
        return buffer.asSlice(keyOffset(), keyLength).asReadOnly();
    }

    /** A read-only slice of the value (allocates the slice object, copies nothing). */
    public MemorySegment value()
    {
        return buffer.asSlice(valueOffset(), valueLength).asReadOnly();
    }

    /** A copy of the key. */
    public byte[] keyBytes()
    {
        final byte[] bytes = new byte[keyLength];
        MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, keyOffset(), bytes, 0, keyLength);
        return bytes;
    }

    /** A copy of the value. */
    public byte[] valueBytes()
    {
        final byte[] bytes = new byte[valueLength];
        MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, valueOffset(), bytes, 0, valueLength);
        return bytes;
    }

    /** Copies the value into {@code destination} at {@code offset}; returns the number of bytes copied. */
    public int getValue(final byte[] destination, final int offset)
    {
        MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, valueOffset(), destination, offset, valueLength);
        return valueLength;
    }

    /** True if the key's bytes equal {@code key}; allocates nothing. */
    public boolean keyEquals(final byte[] key)
    {
        return key.length == keyLength
            && MemorySegment.mismatch(buffer, keyOffset(), keyOffset() + keyLength,
                MemorySegment.ofArray(key), 0, key.length) == -1;
    }

    @Override
    public String toString()
    {
        return "Frame{position=" + position + ", key=" + new String(keyBytes(), StandardCharsets.UTF_8)
            + ", valueLength=" + valueLength + '}';
    }
}
