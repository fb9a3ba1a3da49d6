package io.shardwal.mmap;

import java.lang.foreign.MemorySegment;

/** Checksum computation shared by the reader, recovery and verification. */
final class FrameChecks
{
    private FrameChecks()
    {
    }

    /** The checksum a committed frame at {@code offset} with this length and header word must carry. */
    static int expectedChecksum(final MemorySegment data, final long basePosition, final long offset,
        final int length, final int word, final Checksummer checksummer)
    {
        final byte type = FrameDescriptor.typeOf(word);
        final int body;
        if (type == FrameDescriptor.TYPE_DATA)
        {
            body = checksummer.of(data, offset + FrameDescriptor.HEADER_LENGTH, length - FrameDescriptor.HEADER_LENGTH);
        }
        else if (type == FrameDescriptor.TYPE_BATCH)
        {
            body = checksummer.of(data, offset + FrameDescriptor.BATCH_COUNT_OFFSET, 4);
        }
        else
        {
            body = 0;
        }
        return body ^ FrameDescriptor.seal(basePosition + offset, length, word);
    }
}
