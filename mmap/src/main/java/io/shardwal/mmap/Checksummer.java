package io.shardwal.mmap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CRC32C over mapped memory, heap arrays and buffers, without touching the mapping's arena on every call.
 *
 * <p>{@link CRC32C#update(ByteBuffer)} on a view of a shared-arena mapping acquires and releases the arena with an
 * atomic read-modify-write on each call, which many writer threads would contend on. Heap arrays have no arena, so
 * mapped bytes are copied (in L1-sized chunks) into a scratch array and checksummed there: one extra copy of
 * bytes that are already in cache, no shared atomics. Sources that are heap arrays are checksummed in place.
 *
 * <p>Not thread-safe: each thread (each claim flyweight, each reader) owns one.
 */
final class Checksummer
{
    private static final int SCRATCH_LENGTH = 4096;

    private final CRC32C crc = new CRC32C();
    private final byte[] scratch = new byte[SCRATCH_LENGTH];

    void reset()
    {
        crc.reset();
    }

    int value()
    {
        return (int)crc.getValue();
    }

    void update(final MemorySegment segment, final long offset, final long length)
    {
        if (length == 0)
        {
            return;
        }
        final Object base = segment.heapBase().orElse(null);
        if (base instanceof byte[] array)
        {
            crc.update(array, (int)(segment.address() + offset), (int)length);
            return;
        }
        long position = offset;
        long remaining = length;
        while (remaining > 0)
        {
            final int chunk = (int)Math.min(remaining, SCRATCH_LENGTH);
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, position, scratch, 0, chunk);
            crc.update(scratch, 0, chunk);
            position += chunk;
            remaining -= chunk;
        }
    }

    void update(final byte[] bytes, final int offset, final int length)
    {
        if (length != 0)
        {
            crc.update(bytes, offset, length);
        }
    }

    /** Checksums the remaining bytes of {@code buffer} without moving its position. */
    void update(final ByteBuffer buffer)
    {
        if (buffer.hasArray())
        {
            crc.update(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
        }
        else
        {
            update(MemorySegment.ofBuffer(buffer), 0, buffer.remaining());
        }
    }

    /** CRC32C of {@code segment[offset, offset + length)}. */
    int of(final MemorySegment segment, final long offset, final long length)
    {
        crc.reset();
        update(segment, offset, length);
        return (int)crc.getValue();
    }
}
