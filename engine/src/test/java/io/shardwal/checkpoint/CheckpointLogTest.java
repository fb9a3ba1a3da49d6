package io.shardwal.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import io.shardwal.mmap.ShardwalException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointLogTest
{
    @TempDir
    Path dir;

    private static byte[] resource(final String name) throws IOException
    {
        try (InputStream in = CheckpointLogTest.class.getResourceAsStream(name))
        {
            return in.readAllBytes();
        }
    }

    private static byte[] id(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private Path logFile()
    {
        return dir.resolve(CheckpointLog.FILE_NAME);
    }

    /** Writes {@code count} checkpoints c0..c(count-1) over two shards and returns the log's bytes. */
    private byte[] writeCheckpoints(final int count) throws IOException
    {
        try (CheckpointLog log = CheckpointLog.open(dir, 2, true))
        {
            for (int i = 0; i < count; i++)
            {
                log.append(id("c" + i), 1000L * i, new long[] {64L * i, 128L * i});
            }
        }
        return Files.readAllBytes(logFile());
    }

    /**
     * An interrupted caller's append would close the log's channel for good (every later append failing) and its
     * HEAD replacement would fail after the entry was written; its compaction would fail half way. The interrupt
     * is set aside for the step and kept for the caller.
     */
    @Test
    void shouldAppendAndCompactOnAnInterruptedThreadAndKeepItsInterrupt() throws IOException
    {
        try (CheckpointLog log = CheckpointLog.open(dir, 2, true))
        {
            Thread.currentThread().interrupt();
            try
            {
                log.append(id("a"), 1, new long[] {64, 128});
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept after the append");
                log.append(id("b"), 2, new long[] {128, 256});
                log.append(id("c"), 3, new long[] {192, 384});
                final CheckpointLog.Compaction compaction = log.compact(2);
                assertEquals(2, compaction.after());
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept after the compaction");
            }
            finally
            {
                Thread.interrupted();
            }
            log.append(id("d"), 4, new long[] {256, 512});
        }
        try (CheckpointLog reopened = CheckpointLog.open(dir, 2, true))
        {
            assertEquals(List.of(), reopened.problems(), "HEAD names the newest entry");
            assertEquals(List.of("b", "c", "d"), reopened.list().stream().map(Checkpoint::idText).toList());
        }
    }

    @Test
    void shouldReadAndWriteTheGoldenLogAndHeadByteForByte() throws IOException
    {
        final byte[] golden = resource("/golden/checkpoints-v1.log");
        final byte[] head = resource("/golden/HEAD-v1");
        Files.write(logFile(), golden);
        Files.write(dir.resolve(HeadFile.FILE_NAME), head);
        try (CheckpointLog log = CheckpointLog.open(dir, 2, true))
        {
            assertEquals(List.of(), log.problems());
            final List<Checkpoint> all = log.list();
            assertEquals(3, all.size());
            assertEquals("raft-41", all.get(0).idText());
            assertArrayEquals(new long[] {8192, 4200}, all.get(1).positions());
            assertEquals("0x00ff07", all.get(2).idText());
            assertEquals(1_699_999_999_000_000_000L, all.get(2).timestampNanos());
            assertEquals(all.get(2), log.latest().orElseThrow(), "latest is the last in log order, not the newest "
                + "timestamp");
            final ByteBuffer rewritten = ByteBuffer.allocate(golden.length);
            for (final Checkpoint checkpoint : all)
            {
                rewritten.put(CheckpointDescriptor.encode(checkpoint.id(), checkpoint.timestampNanos(),
                    checkpoint.positions()));
            }
            assertArrayEquals(golden, rewritten.array());
        }
        final Path other = dir.resolve("other");
        Files.createDirectories(other);
        HeadFile.write(other, new byte[] {0, (byte)255, 7});
        assertArrayEquals(head, Files.readAllBytes(other.resolve(HeadFile.FILE_NAME)));
    }

    @Test
    void shouldCutATornTailAtEveryByteOfTheLastEntryAndAppendAfterTheLastValidOne() throws IOException
    {
        final byte[] whole = writeCheckpoints(4);
        final int lastStart = (int)CheckpointLog.open(dir, 2, false).list().get(3).logOffset();
        for (int cut = lastStart; cut < whole.length; cut++)
        {
            Files.write(logFile(), Arrays.copyOf(whole, cut));
            try (CheckpointLog log = CheckpointLog.open(dir, 2, true))
            {
                assertEquals(3, log.count(), "cut at " + cut);
                if (cut > lastStart)
                {
                    assertEquals("TORN_TAIL", log.problems().getFirst().kind(), "cut at " + cut);
                    assertEquals(lastStart, log.problems().getFirst().offset());
                }
                assertEquals(lastStart, Files.size(logFile()), "the torn bytes are cut off");
                assertEquals("c2", log.latest().orElseThrow().idText());
                log.append(id("after"), 1, new long[] {1, 2});
            }
            try (CheckpointLog reopened = CheckpointLog.open(dir, 2, false))
            {
                assertEquals(List.of(), reopened.problems(), "cut at " + cut);
                assertEquals("after", reopened.latest().orElseThrow().idText());
                assertEquals(4, reopened.count());
            }
        }
    }

    @Test
    void shouldSkipAnEntryWithAFlippedBitAndKeepTheOthers() throws IOException
    {
        final byte[] whole = writeCheckpoints(5);
        final List<Checkpoint> pristine = CheckpointLog.open(dir, 2, false).list();
        final int start = (int)pristine.get(2).logOffset();
        final int end = (int)pristine.get(3).logOffset();
        for (int bit = 0; bit < (end - start) * 8; bit++)
        {
            final byte[] damaged = whole.clone();
            damaged[start + bit / 8] ^= (byte)(1 << (bit % 8));
            Files.write(logFile(), damaged);
            try (CheckpointLog log = CheckpointLog.open(dir, 2, true))
            {
                assertEquals(4, log.count(), "bit " + bit);
                assertFalse(log.get(id("c2")).isPresent() && !log.get(id("c2")).orElseThrow().equals(pristine.get(2)),
                    "bit " + bit + ": damaged content is never returned");
                assertEquals("DAMAGED_ENTRY", log.problems().getFirst().kind(), "bit " + bit);
                assertEquals(start, log.problems().getFirst().offset());
                assertEquals(pristine.get(4), log.latest().orElseThrow());
            }
        }
    }

    @Test
    void shouldFallBackFromAGarbageHeadOrOneNamingACompactedIdAndRewriteIt() throws IOException
    {
        writeCheckpoints(3);
        Files.write(dir.resolve(HeadFile.FILE_NAME), new byte[] {9, 0, 1, 2});
        try (CheckpointLog log = CheckpointLog.open(dir, 2, true))
        {
            assertEquals("STALE_HEAD", log.problems().getFirst().kind());
            assertEquals("c2", log.latest().orElseThrow().idText());
        }
        assertArrayEquals(new byte[] {2, 0, 'c', '2'}, Files.readAllBytes(dir.resolve(HeadFile.FILE_NAME)));

        Files.write(dir.resolve(HeadFile.FILE_NAME), new byte[] {5, 0, 'g', 'o', 'n', 'e', '!'});
        try (CheckpointLog log = CheckpointLog.open(dir, 2, true))
        {
            assertTrue(log.problems().getFirst().detail().contains("which the log does not hold"),
                log.problems().toString());
        }
        Files.delete(dir.resolve(HeadFile.FILE_NAME));
        try (CheckpointLog log = CheckpointLog.open(dir, 2, true))
        {
            assertEquals("c2", log.latest().orElseThrow().idText());
            assertTrue(Files.exists(dir.resolve(HeadFile.FILE_NAME)));
        }
    }

    @Test
    void shouldRefuseBadOrDuplicateIdsAndOtherShardCounts() throws IOException
    {
        writeCheckpoints(1);
        try (CheckpointLog log = CheckpointLog.open(dir, 2, true))
        {
            final IllegalArgumentException duplicate = assertThrows(IllegalArgumentException.class,
                () -> log.append(id("c0"), 5, new long[] {1, 1}));
            assertTrue(duplicate.getMessage().contains("c0 already exists"), duplicate.getMessage());
            assertThrows(IllegalArgumentException.class, () -> log.append(new byte[0], 5, new long[] {1, 1}));
            assertThrows(IllegalArgumentException.class, () -> log.append(new byte[65_536], 5, new long[] {1, 1}));
            assertThrows(IllegalArgumentException.class, () -> log.append(id("x"), 5, new long[] {1}));
            final Checkpoint longest = log.append(new byte[65_535], 5, new long[] {1, 1});
            assertEquals(65_535, longest.id().length);
            assertEquals(ShardwalException.Category.NOT_FOUND,
                assertThrows(ShardwalException.class, () -> log.require(id("nope"))).category());
        }
        final ShardwalException mismatch = assertThrows(ShardwalException.class, () -> CheckpointLog.open(dir, 3, true));
        assertEquals(ShardwalException.Category.MISMATCH, mismatch.category());
        assertTrue(mismatch.getMessage().contains("covers 2 shards but the log has 3"), mismatch.getMessage());
    }

    @Test
    void shouldCompactToTheNewestEntriesWithoutLosingConcurrentAppends() throws Exception
    {
        writeCheckpoints(50);
        try (CheckpointLog log = CheckpointLog.open(dir, 2, true))
        {
            final CountDownLatch start = new CountDownLatch(1);
            final List<Throwable> failures = new ArrayList<>();
            final Thread appender = Thread.ofPlatform().start(() ->
            {
                try
                {
                    start.await();
                    for (int i = 0; i < 200; i++)
                    {
                        log.append(id("late-" + i), i, new long[] {i, i});
                    }
                }
                catch (final Throwable e)
                {
                    failures.add(e);
                }
            });
            start.countDown();
            for (int i = 0; i < 20; i++)
            {
                log.compact(30);
            }
            appender.join();
            assertEquals(List.of(), failures);
            final CheckpointLog.Compaction last = log.compact(25);
            assertEquals(25, last.after());
            assertEquals("late-199", log.latest().orElseThrow().idText());
            assertEquals(25, log.count());
        }
        try (CheckpointLog reopened = CheckpointLog.open(dir, 2, true))
        {
            assertEquals(List.of(), reopened.problems());
            assertEquals(25, reopened.count());
            assertEquals("late-175", reopened.list().getFirst().idText());
            reopened.compact(0);
            assertEquals(0, reopened.count());
            assertFalse(Files.exists(dir.resolve(HeadFile.FILE_NAME)));
        }
    }

    @Test
    void shouldDiscardAnInterruptedHeadUpdate() throws IOException
    {
        writeCheckpoints(2);
        Files.write(dir.resolve(HeadFile.FILE_NAME + ".tmp"), new byte[] {9});
        try (CheckpointLog log = CheckpointLog.open(dir, 2, true))
        {
            assertEquals("INTERRUPTED_HEAD_UPDATE", log.problems().getFirst().kind());
        }
        assertFalse(Files.exists(dir.resolve(HeadFile.FILE_NAME + ".tmp")));
        assertArrayEquals(new byte[] {2, 0, 'c', '1'}, Files.readAllBytes(dir.resolve(HeadFile.FILE_NAME)));
    }

    @Test
    void shouldDiscardAnInterruptedCompaction() throws IOException
    {
        writeCheckpoints(2);
        Files.write(dir.resolve(CheckpointLog.FILE_NAME + ".tmp"), new byte[] {1, 2, 3});
        try (CheckpointLog log = CheckpointLog.open(dir, 2, true))
        {
            assertEquals("INTERRUPTED_COMPACTION", log.problems().getFirst().kind());
            assertEquals(2, log.count());
        }
        assertFalse(Files.exists(dir.resolve(CheckpointLog.FILE_NAME + ".tmp")));
    }
}
