package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import io.shardwal.cli.ShardwalCli;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.ShardwalException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shard whose newest segment files were deleted must not pass for a shorter log: the next appends would reuse the
 * positions of acknowledged records. The rolled-into mark of the segment before them tells the loss (every open and
 * {@code verify} refuse it, naming the file and the positions), and no legitimate stop leaves that mark on a newest
 * segment: not a close right after a roll, with or without prepared segments, a crash, a creation the disk refused,
 * a prune, nor a read-only open racing a writer that rolls and prunes.
 */
class LostSegmentsTest
{
    private static final long SEGMENT = 4096;

    @TempDir
    Path dir;

    private static WalOptions options(final Path log, final int prepareAhead)
    {
        return WalOptions.builder(log).shardCount(1).segmentSize(SEGMENT).syncMode(SyncMode.ASYNC)
            .prepareAhead(prepareAhead).build();
    }

    /** Appends records until the shard has rolled {@code rolls} more times; returns the acks. */
    private static List<Records.Ack> appendRolls(final ShardedWal wal, final int rolls, final long first)
    {
        final List<Records.Ack> acks = new ArrayList<>();
        final long target = (wal.committedPosition(0) / SEGMENT + rolls) * SEGMENT;
        for (long i = first; wal.committedPosition(0) <= target; i++)
        {
            final byte[] key = Records.key(0, i, 7);
            final byte[] value = Records.value(0, i, 40);
            acks.add(new Records.Ack(wal.append(key, value), key, value));
        }
        return acks;
    }

    private static Path segment(final Path log, final long base)
    {
        return CrashImages.segmentFile(log, 0, base);
    }

    private static long newestBase(final Path log) throws IOException
    {
        try (var files = Files.list(ShardedWal.shardDirectory(log, 0)))
        {
            return files.mapToLong(file -> ShardSegments.parseBase(file.getFileName().toString())).max().orElseThrow();
        }
    }

    private static String verify(final Path log, final int expectedExit)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exit = ShardwalCli.execute(new PrintWriter(out), new PrintWriter(err), false, "verify",
            log.toString());
        assertEquals(expectedExit, exit, out + "\n" + err);
        return out.toString();
    }

    /** Opens for writing, reads everything, checks every ack is there and the recovery was clean, closes. */
    private static void reopenAndCheck(final Path log, final int prepareAhead, final List<Records.Ack> acks)
    {
        try (ShardedWal wal = ShardedWal.open(options(log, prepareAhead)))
        {
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
            Records.assertAllPresent(acks, Records.readAll(wal));
            assertEquals(acks.size(), Records.readAll(wal).size());
        }
    }

    @Test
    void shouldRefuseEveryOpenAndVerifyWhenTheSegmentAfterTheLatestCheckpointIsDeleted() throws IOException
    {
        final Path log = dir.resolve("log");
        try (ShardedWal wal = ShardedWal.open(options(log, 0)))
        {
            appendRolls(wal, 3, 0);
            wal.createCheckpoint("c");
            appendRolls(wal, 1, 10_000);
        }
        final long newest = newestBase(log);
        Files.delete(segment(log, newest));
        final String name = ShardSegments.fileName(newest);

        for (final boolean readOnly : new boolean[] {false, true})
        {
            final ShardwalException e = assertThrows(ShardwalException.class, () -> (readOnly
                ? ShardedWal.openReadOnly(log) : ShardedWal.open(options(log, 0))).close());
            assertEquals(ShardwalException.Category.CORRUPT, e.category(), e.getMessage());
            assertEquals(segment(log, newest), e.file());
            assertTrue(e.getMessage().contains("shard 0 is missing segment " + name + ": its newest segment "
                + ShardSegments.fileName(newest - SEGMENT) + " was rolled into it"), e.getMessage());
            assertTrue(e.getMessage().contains("positions [" + newest + ", ...) are gone"), e.getMessage());
        }
        final String out = verify(log, 1);
        assertTrue(out.contains("MISSING_SEGMENT shard 0 shard_00/" + name + " position " + newest), out);
        assertTrue(out.contains("positions [" + newest + ", ...) are gone"), out);
        assertTrue(Files.exists(segment(log, newest - SEGMENT)), "the refused opens left the log as they found it");
    }

    @Test
    void shouldNameTheFirstOfSeveralDeletedNewestSegments() throws IOException
    {
        final Path log = dir.resolve("log");
        try (ShardedWal wal = ShardedWal.open(options(log, 1)))
        {
            appendRolls(wal, 5, 0);
        }
        final long newest = newestBase(log);
        Files.delete(segment(log, newest));
        Files.delete(segment(log, newest - SEGMENT));
        Files.delete(segment(log, newest - 2 * SEGMENT));
        final long missing = newest - 2 * SEGMENT;

        final ShardwalException e = assertThrows(ShardwalException.class, () -> ShardedWal.open(options(log, 1)));
        assertEquals(ShardwalException.Category.CORRUPT, e.category());
        assertEquals(segment(log, missing), e.file());
        assertTrue(e.getMessage().contains("positions [" + missing + ", ...) are gone"), e.getMessage());
    }

    /**
     * A close just after a roll, with the next segments prepared or not, then reopens that append and roll again:
     * each one opens clean and keeps every record. Deleting only prepared, never used segments loses nothing either.
     */
    @Test
    void shouldOpenCleanlyAfterACloseRightAfterARollWithAndWithoutPreparedSegments() throws IOException
    {
        long lastPosition = -1;
        for (final int prepareAhead : new int[] {0, 1, 3})
        {
            final Path log = dir.resolve("log-" + prepareAhead);
            final List<Records.Ack> acks = new ArrayList<>();
            for (int open = 0; open < 6; open++)
            {
                try (ShardedWal wal = ShardedWal.open(options(log, prepareAhead)))
                {
                    assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
                    acks.addAll(appendRolls(wal, 1 + open % 2, acks.size()));
                }
                reopenAndCheck(log, prepareAhead, acks);
            }
            verify(log, 0);
            lastPosition = RecordAddress.position(acks.getLast().address());
        }
        final Path log = dir.resolve("log-3");
        final long newestWithData = lastPosition - lastPosition % SEGMENT;
        try (ShardedWal wal = ShardedWal.open(options(log, 3)))
        {
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(segment(log, newestWithData + SEGMENT)) && System.nanoTime() < deadline)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // the preparer creates it in the background
            }
        }
        assertTrue(newestBase(log) > newestWithData, "segments are prepared past the records");
        for (long base = newestBase(log); base > newestWithData; base -= SEGMENT)
        {
            Files.delete(segment(log, base)); // prepared only: the writer never moved into them
        }
        try (ShardedWal wal = ShardedWal.open(options(log, 0)))
        {
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
        }
    }

    @Test
    void shouldOpenAfterACrashRightAfterARollAndAfterAPrune()
    {
        final Path log = dir.resolve("log");
        final List<Records.Ack> acks = new ArrayList<>();
        final Path image;
        try (ShardedWal wal = ShardedWal.open(options(log, 1)))
        {
            acks.addAll(appendRolls(wal, 4, 0));
            wal.createCheckpoint("c");
            acks.addAll(appendRolls(wal, 1, acks.size()));
            wal.sync();
            assertTrue(wal.pruneBefore("c".getBytes(StandardCharsets.UTF_8)).segments() > 0);
            image = CrashImages.copy(log, dir.resolve("image"));
        }
        CrashImages.markCrashed(image, true);
        for (final Path copy : new Path[] {image, log})
        {
            try (ShardedWal wal = ShardedWal.open(options(copy, 1)))
            {
                final long first = wal.firstPosition(0);
                assertTrue(first > 0, "pruned");
                Records.assertAllPresent(acks.stream().filter(ack -> RecordAddress.position(ack.address()) >= first)
                    .toList(), Records.readAll(wal));
            }
        }
    }

    /**
     * A disk that refuses the next segment leaves the full one newest and unmarked: the appends fail, the log
     * closes and opens again as it was, and rolls once the disk has room.
     */
    @Test
    void shouldNotMarkASegmentWhoseSuccessorCouldNotBeCreated() throws IOException
    {
        final Path log = dir.resolve("log");
        final List<Records.Ack> acks = new ArrayList<>();
        final long full;
        try (ShardedWal wal = ShardedWal.open(options(log, 0)))
        {
            acks.addAll(appendRolls(wal, 2, 0));
            full = newestBase(log);
            wal.segments(0).creationFault(() ->
            {
                throw new IOException("No space left on device");
            });
            final ShardwalException e = assertThrows(ShardwalException.class, () ->
            {
                for (long i = acks.size(); ; i++)
                {
                    final byte[] key = Records.key(0, i, 7);
                    final byte[] value = Records.value(0, i, 40);
                    acks.add(new Records.Ack(wal.append(key, value), key, value));
                }
            });
            assertEquals(ShardwalException.Category.IO, e.category(), e.getMessage());
            assertEquals(0, MappedSegment.readRolledInto(segment(log, full)), "no successor, no mark");
        }
        assertEquals(full, newestBase(log));
        assertEquals(0, MappedSegment.readRolledInto(segment(log, full)));
        reopenAndCheck(log, 0, acks);
        try (ShardedWal wal = ShardedWal.open(options(log, 0)))
        {
            acks.addAll(appendRolls(wal, 1, acks.size()));
        }
        assertEquals(full + SEGMENT, MappedSegment.readRolledInto(segment(log, full)));
        reopenAndCheck(log, 0, acks);
    }

    /**
     * The mark is set only once the next segment's file exists (never before its creation starts), lands on every
     * segment the writer left, not on the newest, and survives close and reopen.
     */
    @Test
    void shouldMarkASegmentOnlyOnceItsSuccessorExistsAndKeepTheMarkAcrossReopens() throws IOException
    {
        final Path log = dir.resolve("log");
        final List<String> early = new ArrayList<>();
        try (ShardedWal wal = ShardedWal.open(options(log, 0)))
        {
            wal.segments(0).creationFault(() ->
            {
                final long creating = newestBase(log) + SEGMENT;
                final long mark = MappedSegment.readRolledInto(segment(log, creating - SEGMENT));
                if (mark != 0)
                {
                    early.add("segment " + (creating - SEGMENT) + " marked " + mark + " before its successor");
                }
            });
            appendRolls(wal, 4, 0);
        }
        assertEquals(List.of(), early);
        for (int open = 0; open < 2; open++)
        {
            final long newest = newestBase(log);
            assertEquals(0, MappedSegment.readRolledInto(segment(log, newest)));
            for (long base = 0; base < newest; base += SEGMENT)
            {
                assertEquals(base + SEGMENT, MappedSegment.readRolledInto(segment(log, base)), "segment " + base);
            }
            ShardedWal.open(options(log, 0)).close();
        }
    }

    /**
     * Read-only opens racing a writer that rolls, checkpoints and prunes: a listing may miss the segment the writer
     * has just rolled into, but never makes the open refuse the log.
     */
    @Test
    void shouldNotRefuseAReadOnlyOpenRacingAWriterThatRollsAndPrunes() throws Exception
    {
        final Path log = dir.resolve("log");
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        try (ShardedWal wal = ShardedWal.open(options(log, 0)))
        {
            final Thread writer = Thread.ofPlatform().start(() ->
            {
                try
                {
                    for (int round = 0; !stop.get(); round++)
                    {
                        appendRolls(wal, 1, round * 1000L);
                        if (round % 4 == 3)
                        {
                            wal.createCheckpoint("c" + round);
                            wal.pruneBefore(("c" + round).getBytes(StandardCharsets.UTF_8));
                        }
                    }
                }
                catch (final Throwable e)
                {
                    failure.set(e);
                }
            });
            try
            {
                for (int i = 0; i < 150 && failure.get() == null; i++)
                {
                    ShardedWal.openReadOnly(log).close();
                }
            }
            finally
            {
                stop.set(true);
                writer.join();
            }
        }
        assertEquals(null, failure.get());
    }
}
