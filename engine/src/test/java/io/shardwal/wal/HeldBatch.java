package io.shardwal.wal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.shardwal.mmap.BatchSource;

/**
 * {@code count} records of a 1-byte key and a 1-byte value; {@code whileWriting} runs as record {@code holdAt}
 * is copied, when the records before it are written and the batch is not committed.
 */
record HeldBatch(int count, int holdAt, Runnable whileWriting) implements BatchSource
{
    @Override
    public int size()
    {
        return count;
    }

    @Override
    public int keyLength(final int index)
    {
        return 1;
    }

    @Override
    public int valueLength(final int index)
    {
        return 1;
    }

    @Override
    public void copyKey(final int index, final MemorySegment destination, final long offset)
    {
        destination.set(ValueLayout.JAVA_BYTE, offset, (byte)index);
    }

    @Override
    public void copyValue(final int index, final MemorySegment destination, final long offset)
    {
        if (index == holdAt)
        {
            whileWriting.run();
        }
        destination.set(ValueLayout.JAVA_BYTE, offset, (byte)index);
    }
}
