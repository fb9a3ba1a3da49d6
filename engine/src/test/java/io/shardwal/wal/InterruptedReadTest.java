package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reader whose thread has its interrupt set (a consumer asked to stop that still drains what it has) reads every
 * record: segments are mapped lazily, and the mapping's FileChannel used to refuse the interrupted thread with
 * ClosedByInterruptException. The interrupt stays set for the reader's own code.
 */
class InterruptedReadTest
{
    private static final int SEGMENT = 1 << 16;
    private static final int RECORDS = 300;

    @TempDir
    Path dir;

    @Test
    void shouldTailAndIterateInTheWritersProcessOnAnInterruptedThreadAndKeepItsInterrupt()
    {
        try (ShardedWal wal = ShardedWal.open(options()))
        {
            final List<byte[]> written = write(wal);
            assertReadsEverythingInterrupted(wal, wal.committedPosition(0), written, "writable open");
        }
    }

    /** The segments the writer adds after the read-only open are mapped by the reads themselves. */
    @Test
    void shouldTailAndIterateAReadOnlyOpenOnAnInterruptedThreadAndKeepItsInterrupt()
    {
        try (ShardedWal wal = ShardedWal.open(options());
            ShardedWal readOnly = ShardedWal.openReadOnly(dir))
        {
            final List<byte[]> written = write(wal);
            assertReadsEverythingInterrupted(readOnly, wal.committedPosition(0), written, "read-only open");
        }
    }

    private static List<byte[]> write(final ShardedWal wal)
    {
        final List<byte[]> written = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++)
        {
            final byte[] value = ("value " + i + " ".repeat(1000)).getBytes(StandardCharsets.UTF_8);
            wal.append(("k" + i).getBytes(StandardCharsets.UTF_8), value);
            written.add(value);
        }
        assertTrue(wal.committedPosition(0) > 3L * SEGMENT, "the records span several segments");
        return written;
    }

    /** Reads shard 0 up to {@code end}, its committed frontier, as it is and everything in it, interrupted. */
    private static void assertReadsEverythingInterrupted(final ShardedWal wal, final long end,
        final List<byte[]> written, final String what)
    {
        final List<byte[]> tailed = new ArrayList<>();
        final List<byte[]> iterated = new ArrayList<>();
        final boolean keptAfterTail;
        final boolean keptAfterIter;
        final long committed;
        Thread.currentThread().interrupt();
        try
        {
            committed = wal.committedPosition(0);
            try (Tailer tailer = wal.tailer(0, 0))
            {
                while (tailer.position() < end)
                {
                    if (tailer.poll(record -> tailed.add(bytes(record)), 64) == 0)
                    {
                        break;
                    }
                }
            }
            keptAfterTail = Thread.currentThread().isInterrupted();
            wal.iterShard(0, 0, end, record -> iterated.add(bytes(record)));
            keptAfterIter = Thread.currentThread().isInterrupted();
        }
        finally
        {
            Thread.interrupted();
        }
        assertEquals(end, committed, what + ": the committed frontier");
        assertEquals(written.size(), tailed.size(), what + ": the tailer reads every record");
        assertEquals(written.size(), iterated.size(), what + ": iterShard reads every record");
        for (int i = 0; i < written.size(); i++)
        {
            assertArrayEquals(written.get(i), tailed.get(i), what + ": tailed record " + i);
            assertArrayEquals(written.get(i), iterated.get(i), what + ": iterated record " + i);
        }
        assertTrue(keptAfterTail, what + ": the interrupt is kept after tailing");
        assertTrue(keptAfterIter, what + ": the interrupt is kept after iterating");
    }

    private static byte[] bytes(final WalRecord record)
    {
        return record.value().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    private WalOptions options()
    {
        return WalOptions.builder(dir).shardCount(1).segmentSize(SEGMENT).syncMode(SyncMode.ASYNC)
            .maxOpenReaderSegments(1).build();
    }
}
