package io.shardwal.mmap;

import java.lang.foreign.MemorySegment;

/**
 * The records of one batch, addressed by index, for {@link SegmentAppender#appendBatch}. Implementations copy a
 * record's key or value into the mapped destination when asked; they are read once per record, in index order,
 * by the thread that appends.
 */
public interface BatchSource
{
    int size();

    int keyLength(int index);

    int valueLength(int index);

    /** Copies key {@code index} to {@code destination[offset, offset + keyLength(index))}. */
    void copyKey(int index, MemorySegment destination, long offset);

    /** Copies value {@code index} to {@code destination[offset, offset + valueLength(index))}. */
    void copyValue(int index, MemorySegment destination, long offset);
}
