package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;

import io.shardwal.checkpoint.CheckpointLog;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.SegmentDescriptor;
import io.shardwal.mmap.ShardwalException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening and closing a log whose directory holds what a user or an operator may leave in it. */
class WalLifecycleTest
{
    private static final long SEGMENT = 16 * 1024;

    @TempDir
    Path dir;

    private WalOptions options(final Path log)
    {
        return WalOptions.builder(log).shardCount(2).segmentSize(SEGMENT).syncMode(SyncMode.ASYNC).prepareAhead(0)
            .build();
    }

    /** Appends {@code count} records to a new two-shard log and closes it cleanly; returns the acks. */
    private List<Records.Ack> writeAndClose(final Path log, final int count)
    {
        return Records.writeAndClose(options(log), count);
    }

    private static long countRecords(final ShardedWal wal)
    {
        final long[] count = new long[1];
        for (int shard = 0; shard < wal.shardCount(); shard++)
        {
            wal.iterShard(shard, wal.firstPosition(shard), Long.MAX_VALUE, record -> count[0]++);
        }
        return count[0];
    }

    /**
     * A stray file whose name has the shape of a segment's but no position a segment can have (20 digits past
     * Long.MAX_VALUE, or digits of another script) is not a segment: it is ignored like any other stray file.
     */
    @Test
    void shouldIgnoreStrayFilesNamedLikeSegmentsThatNoPositionFits() throws IOException
    {
        final Path log = dir.resolve("log");
        final List<Records.Ack> acks = writeAndClose(log, 300);
        final Path shard0 = ShardedWal.shardDirectory(log, 0);
        Files.writeString(shard0.resolve("99999999999999999999.wal"), "not a segment");
        Files.writeString(shard0.resolve("\u0660".repeat(20) + ".wal"), "not a segment either");
        Files.writeString(shard0.resolve(ShardSegments.fileName(0) + ".bak"), "a backup");
        assertEquals(-1, LogFiles.segmentBase("99999999999999999999.wal"));
        assertEquals(-1, LogFiles.segmentBase("\u0660".repeat(20) + ".wal"));
        assertEquals(-1, LogFiles.segmentBase(ShardSegments.fileName(0) + ".bak"));
        try (ShardedWal reader = ShardedWal.openReadOnly(log))
        {
            assertEquals(acks.size(), countRecords(reader));
        }
        try (ShardedWal writer = ShardedWal.open(options(log)))
        {
            assertEquals(acks.size(), countRecords(writer));
            assertTrue(writer.recoveryReport().repairs().isEmpty(), writer.recoveryReport().summary());
        }
        assertTrue(Files.exists(shard0.resolve("99999999999999999999.wal")), "stray files are left alone");
    }

    /**
     * An open that fails part way releases the lock even when it cannot undo its mark in LOCK (here: the opening
     * thread was interrupted, which closes the lock's channel): otherwise the log stays "already open for writing in
     * this JVM" until the JVM exits.
     */
    @Test
    void shouldReleaseTheLockOfAFailedOpenEvenWhenRestoringItsMarkFails() throws Exception
    {
        final Path log = dir.resolve("log");
        writeAndClose(log, 300);
        int failedOpens = 0;
        for (int attempt = 0; attempt < 200 && failedOpens < 20; attempt++)
        {
            final AtomicReference<Throwable> outcome = new AtomicReference<>();
            final Thread opener = Thread.ofPlatform().start(() ->
            {
                try (ShardedWal wal = ShardedWal.open(options(log)))
                {
                    wal.shardCount();
                }
                catch (final ShardwalException e)
                {
                    outcome.set(e);
                }
            });
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(ThreadLocalRandom.current().nextInt(20_000)));
            opener.interrupt();
            opener.join();
            failedOpens += outcome.get() != null ? 1 : 0;
            try (ShardedWal wal = ShardedWal.open(options(log)))
            {
                assertEquals(300, countRecords(wal), "attempt " + attempt + " after " + outcome.get());
            }
        }
        assertTrue(failedOpens > 0, "no interrupted open failed: the test proved nothing");
    }

    /**
     * Makes the first open of a new log at {@code log} fail after it wrote the manifest and created the shard
     * directories, before any segment: a leftover of a HEAD update that cannot be deleted stands in for a full disk.
     */
    private void failCreation(final Path log) throws IOException
    {
        final Path leftover = Files.createDirectories(log.resolve("HEAD.tmp"));
        Files.writeString(leftover.resolve("blocker"), "cannot delete a directory that is not empty");
        assertThrows(ShardwalException.class, () -> ShardedWal.open(options(log)));
        Files.delete(leftover.resolve("blocker"));
        Files.delete(leftover);
        assertTrue(Files.exists(log.resolve(Manifest.FILE_NAME)), "the creation failed after the manifest");
        assertTrue(Files.isDirectory(ShardedWal.shardDirectory(log, 1)), "and after the shard directories");
        assertFalse(Files.exists(CrashImages.segmentFile(log, 0, 0)), "but before any segment");
    }

    /**
     * Until an open of a new log finishes, LOCK says that its creation did not: a failed creation leaves it so (a
     * log that never finished opening never held a record), and the open that finishes the log turns it into an
     * ordinary log.
     */
    @Test
    void shouldMarkALogWhoseCreationDidNotFinishUntilAnOpenFinishesIt() throws IOException
    {
        final Path log = dir.resolve("log");
        failCreation(log);
        assertEquals("creating", WalLock.fields(log).get("state"));
        assertEquals(LogFiles.LastStop.NONE, LogFiles.lastWriter(log).stop());
        try (ShardedWal wal = ShardedWal.open(options(log)))
        {
            assertEquals("NONE", wal.recoveryReport().previousStop());
            assertEquals("open", WalLock.fields(log).get("state"));
        }
        assertEquals("closed", WalLock.fields(log).get("state"));
        assertEquals(LogFiles.LastStop.CLEAN, LogFiles.lastWriter(log).stop());
    }

    /** Deletes the segment files of {@code shard}, and its directory if {@code directoryToo}. */
    private static void deleteShard(final Path log, final int shard, final boolean directoryToo) throws IOException
    {
        final Path directory = ShardedWal.shardDirectory(log, shard);
        try (java.util.stream.Stream<Path> files = Files.list(directory))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                Files.delete(file);
            }
        }
        if (directoryToo)
        {
            Files.delete(directory);
        }
    }

    /**
     * A shard whose directory is gone (or emptied) from a log that holds records is damage: starting the shard anew
     * would drop all it held without a word.
     */
    @Test
    void shouldRefuseALogThatLostAShardDirectoryInsteadOfStartingTheShardAnew() throws IOException
    {
        final Path rolled = dir.resolve("rolled");
        writeAndClose(rolled, 1000);
        deleteShard(rolled, 1, true);
        final ShardwalException gone = assertThrows(ShardwalException.class, () -> ShardedWal.open(options(rolled)));
        assertEquals(ShardwalException.Category.NOT_FOUND, gone.category());
        assertTrue(gone.getMessage().contains("shard 1 has no segment files"), gone.getMessage());
        assertTrue(gone.getMessage().contains(ShardedWal.shardDirectory(rolled, 1).toString()), gone.getMessage());
        assertFalse(Files.exists(CrashImages.segmentFile(rolled, 1, 0)), "no new shard 1 was started");

        final Path checkpointed = dir.resolve("checkpointed");
        try (ShardedWal wal = ShardedWal.open(options(checkpointed)))
        {
            wal.append(new byte[] {1}, new byte[] {2});
            wal.createCheckpoint("c1");
        }
        deleteShard(checkpointed, 1, false);
        final ShardwalException emptied = assertThrows(ShardwalException.class,
            () -> ShardedWal.open(options(checkpointed)));
        assertEquals(ShardwalException.Category.NOT_FOUND, emptied.category());
        assertTrue(emptied.getMessage().contains("shard 1 has no segment files"), emptied.getMessage());
    }

    /** Every file and directory under {@code log} but LOCK (which a refused open rewrites), with its bytes' CRC. */
    private static Map<String, String> snapshot(final Path log) throws IOException
    {
        final Map<String, String> files = new TreeMap<>();
        try (java.util.stream.Stream<Path> walk = Files.walk(log))
        {
            for (final Path file : (Iterable<Path>)walk::iterator)
            {
                final String name = log.relativize(file).toString();
                if (Files.isDirectory(file))
                {
                    files.put(name, "directory");
                }
                else if (!file.getFileName().toString().equals(WalLock.FILE_NAME))
                {
                    final CRC32C crc = new CRC32C();
                    crc.update(Files.readAllBytes(file));
                    files.put(name, Files.size(file) + " bytes, crc32c " + Long.toHexString(crc.getValue()));
                }
            }
        }
        return files;
    }

    /** Checks that {@code e} refuses {@code log} for its lost {@code shard}, naming the shard and its directory. */
    private static void assertLost(final ShardwalException e, final Path log, final int shard)
    {
        assertEquals(ShardwalException.Category.NOT_FOUND, e.category(), e.getMessage());
        assertTrue(e.getMessage().contains("shard " + shard + " has no segment files"), e.getMessage());
        assertTrue(e.getMessage().contains(ShardedWal.shardDirectory(log, shard).toString()), e.getMessage());
        assertEquals(ShardedWal.shardDirectory(log, shard), e.file());
    }

    /**
     * Records that all sit in the shards' first segments, without any checkpoint, leave no trace of their own once a
     * shard's directory or its only segment file is gone: the log was opened before, so the open refuses all the
     * same, and creates, repairs or rewrites nothing in doing so.
     */
    @Test
    void shouldRefuseALogThatLostAShardWhoseRecordsAllSatInFirstSegments() throws IOException
    {
        for (final boolean directoryToo : new boolean[] {true, false})
        {
            final Path log = dir.resolve("first-segments-" + directoryToo);
            writeAndClose(log, 20);
            assertEquals(0, Files.size(log.resolve(CheckpointLog.FILE_NAME)), "no checkpoint");
            for (int shard = 0; shard < 2; shard++)
            {
                try (java.util.stream.Stream<Path> files = Files.list(ShardedWal.shardDirectory(log, shard)))
                {
                    assertEquals(List.of(CrashImages.segmentFile(log, shard, 0)), files.toList());
                }
                assertTrue(CrashImages.read(CrashImages.segmentFile(log, shard, 0), SegmentDescriptor.DATA_OFFSET,
                    1)[0] != 0, "shard " + shard + " holds records");
            }
            deleteShard(log, 1, directoryToo);
            final Map<String, String> before = snapshot(log);
            assertLost(assertThrows(ShardwalException.class, () -> ShardedWal.open(options(log))), log, 1);
            assertEquals(before, snapshot(log), "the refused open created and changed nothing");
        }
    }

    /**
     * Once an open finished, an empty surviving shard does not make a lost one harmless: every record may have been
     * routed to the lost shard, and a log that was opened but never written looks the same. Both are refused.
     */
    @Test
    void shouldRefuseALogThatLostAShardEvenWhenTheOtherShardsAreEmpty() throws IOException
    {
        final Path oneKey = dir.resolve("one-key");
        final int written;
        try (ShardedWal wal = ShardedWal.open(options(oneKey)))
        {
            written = RecordAddress.shard(wal.append(new byte[] {7}, new byte[] {1}));
            wal.append(new byte[] {7}, new byte[] {2});
        }
        deleteShard(oneKey, written, true);
        final Map<String, String> before = snapshot(oneKey);
        assertLost(assertThrows(ShardwalException.class, () -> ShardedWal.open(options(oneKey))), oneKey, written);
        assertEquals(before, snapshot(oneKey));

        final Path neverWritten = dir.resolve("never-written");
        ShardedWal.open(options(neverWritten)).close();
        deleteShard(neverWritten, 1, true);
        assertLost(assertThrows(ShardwalException.class, () -> ShardedWal.open(options(neverWritten))), neverWritten,
            1);
        assertFalse(Files.exists(ShardedWal.shardDirectory(neverWritten, 1)), "no new shard 1 was started");
    }

    /**
     * A creation that failed (or was killed) before every shard had its first segment left a log that never held a
     * record, whichever shard directories and first segments it got to: the next open finishes it.
     */
    @Test
    void shouldFinishALogWhoseCreationStoppedBeforeEveryShardHadItsFirstSegment() throws IOException
    {
        // Stopped while creating the shard directories: a process dies after the first ones, and an OS crash before
        // the log's directory was synced may keep any of them
        final Path directories = dir.resolve("directories");
        failCreation(directories);
        Files.delete(ShardedWal.shardDirectory(directories, 1));
        try (ShardedWal wal = ShardedWal.open(options(directories)))
        {
            assertEquals(0, countRecords(wal));
            assertTrue(Files.exists(CrashImages.segmentFile(directories, 1, 0)), "the creation was finished");
        }

        // Stopped while creating the first segments, shard by shard: here shard 1's cannot be created
        final Path segments = dir.resolve("segments");
        failCreation(segments);
        final Path blocker = CrashImages.segmentFile(segments, 1, 0).resolveSibling(ShardSegments.fileName(0)
            + MappedSegment.CREATING_SUFFIX);
        Files.createDirectories(blocker.resolve("keep"));
        assertThrows(ShardwalException.class, () -> ShardedWal.open(options(segments)));
        assertTrue(Files.exists(CrashImages.segmentFile(segments, 0, 0)), "shard 0 got its first segment");
        assertEquals("creating", WalLock.fields(segments).get("state"));
        Files.delete(blocker.resolve("keep"));
        try (ShardedWal wal = ShardedWal.open(options(segments)))
        {
            assertEquals(0, countRecords(wal));
            assertTrue(Files.exists(CrashImages.segmentFile(segments, 1, 0)), "the creation was finished");
        }
    }

    /**
     * A read-only open of a log that lost a shard's directory or its only segment file, while the log may hold
     * records, refuses as the writer's open does instead of showing an empty shard; and it writes nothing.
     */
    @Test
    void shouldRefuseAReadOnlyOpenOfALogThatLostAShard() throws IOException
    {
        for (final boolean directoryToo : new boolean[] {true, false})
        {
            final Path log = dir.resolve("read-only-" + directoryToo);
            writeAndClose(log, 20);
            deleteShard(log, 1, directoryToo);
            final Map<String, String> before = snapshot(log);
            final String lock = Files.readString(log.resolve(WalLock.FILE_NAME));
            assertLost(assertThrows(ShardwalException.class, () -> ShardedWal.openReadOnly(log)), log, 1);
            assertEquals(before, snapshot(log));
            assertEquals(lock, Files.readString(log.resolve(WalLock.FILE_NAME)));
        }
    }

    /** A read-only open of a log whose creation stopped part way shows it as it is: empty, shards missing. */
    @Test
    void shouldOpenReadOnlyALogWhoseCreationStoppedPartWay() throws IOException
    {
        final Path log = dir.resolve("log");
        failCreation(log);
        Files.delete(ShardedWal.shardDirectory(log, 1));
        final Map<String, String> before = snapshot(log);
        try (ShardedWal reader = ShardedWal.openReadOnly(log))
        {
            assertEquals(0, countRecords(reader));
        }
        assertEquals(before, snapshot(log), "a read-only open creates nothing");
    }

    /**
     * A read-only open racing a writer that creates the log finds shards the creation has yet to get to: they are
     * not lost, so it opens and never refuses, even when the creation finishes between its listing of the shards and
     * its reading of LOCK (an open that trusted that first listing would refuse now and then).
     */
    @Test
    void shouldOpenReadOnlyALogThatAWriterIsCreatingRightNow() throws Exception
    {
        final int logs = 30;
        final AtomicInteger created = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread writer = Thread.ofPlatform().start(() ->
        {
            try
            {
                for (int i = 0; i < logs; i++)
                {
                    final Path log = dir.resolve("log-" + i);
                    ShardedWal.open(options(log).toBuilder().shardCount(8).build()).close();
                    created.incrementAndGet();
                }
            }
            catch (final RuntimeException | Error e)
            {
                failure.set(e);
                created.set(logs);
            }
        });
        int duringCreation = 0;
        try
        {
            for (int current = created.get(); current < logs; current = created.get())
            {
                final Path log = dir.resolve("log-" + current);
                final boolean creating = "creating".equals(WalLock.fields(log).get("state"));
                try (ShardedWal reader = ShardedWal.openReadOnly(log))
                {
                    assertEquals(8, reader.shardCount());
                    duringCreation += creating ? 1 : 0;
                }
                catch (final ShardwalException e)
                {
                    assertTrue(e.getMessage().contains("no shardwal log in"), e.getMessage()); // no manifest yet
                }
            }
        }
        finally
        {
            writer.join();
        }
        assertEquals(null, failure.get());
        assertTrue(duringCreation > 0, "no read-only open ran during a creation: the test proved nothing");
    }

    /**
     * Pruning deletes only segments wholly below a checkpoint, so a shard whose oldest segment starts past the latest
     * checkpoint lost its first segments some other way: the records there are gone and opening must say so.
     */
    @Test
    void shouldRefuseALogWhoseOldestSegmentsVanishedAboveTheLatestCheckpoint() throws IOException
    {
        final Path log = dir.resolve("log");
        try (ShardedWal wal = ShardedWal.open(options(log)))
        {
            wal.append(Records.key(0, 0, 7), Records.value(0, 0, 40));
            wal.createCheckpoint("early");
            for (int i = 1; i < 1000; i++)
            {
                wal.append(Records.key(0, i, 7), Records.value(0, i, 40));
            }
        }
        final Path first = CrashImages.segmentFile(log, 0, 0);
        Files.delete(first);
        final ShardwalException e = assertThrows(ShardwalException.class, () -> ShardedWal.open(options(log)));
        assertEquals(ShardwalException.Category.CORRUPT, e.category());
        assertTrue(e.getMessage().contains("shard 0"), e.getMessage());
        assertTrue(e.getMessage().contains(first.toString()), e.getMessage());
    }

    /** What pruning leaves opens as it is, even once compaction dropped every checkpoint. */
    @Test
    void shouldOpenALogPrunedBelowItsLatestCheckpoint() throws IOException
    {
        final Path log = dir.resolve("log");
        final long kept;
        try (ShardedWal wal = ShardedWal.open(options(log)))
        {
            for (int i = 0; i < 1000; i++)
            {
                wal.append(Records.key(0, i, 7), Records.value(0, i, 40));
            }
            wal.createCheckpoint("late");
            assertTrue(wal.pruneBefore("late".getBytes(java.nio.charset.StandardCharsets.UTF_8)).segments() > 0);
            kept = countRecords(wal);
        }
        try (ShardedWal wal = ShardedWal.open(options(log)))
        {
            assertEquals(kept, countRecords(wal));
            wal.compactCheckpoints(0);
        }
        try (ShardedWal wal = ShardedWal.open(options(log)))
        {
            assertEquals(kept, countRecords(wal));
        }
    }

    /** A manifest whose checksum holds but whose settings no log can have is named, not reported as bad options. */
    @Test
    void shouldNameTheManifestWhenItsSettingsAreImpossible() throws IOException
    {
        final Path log = dir.resolve("log");
        writeAndClose(log, 10);
        final Path file = log.resolve(Manifest.FILE_NAME);
        final Manifest manifest = Manifest.read(log);
        Files.writeString(file, new Manifest(manifest.format(), 0, manifest.router(), manifest.seed(),
            manifest.vnodes(), manifest.segmentSize(), manifest.created()).render());
        final ShardwalException e = assertThrows(ShardwalException.class, () -> ShardedWal.openReadOnly(log));
        assertEquals(ShardwalException.Category.CORRUPT, e.category());
        assertEquals(file, e.file());
        assertTrue(e.getMessage().contains("shardCount must be in"), e.getMessage());
    }

    /**
     * A caller whose interrupt is set opens a new log, one that needs recovery from a possible OS crash, and a log
     * read-only, then closes them: the FileChannels of LOCK, manifest, checkpoint log and segments must not see the
     * interrupt (they would close themselves half way through), the caller must still find it set, and the next
     * open must find a clean stop.
     */
    @Test
    void shouldOpenAndCloseOnAThreadWhoseInterruptIsSet() throws IOException
    {
        final Path log = dir.resolve("log");
        try
        {
            Thread.currentThread().interrupt();
            try (ShardedWal wal = ShardedWal.open(options(log)))
            {
                assertTrue(Thread.currentThread().isInterrupted(), "the open must leave the interrupt set");
                assertEquals("NONE", wal.recoveryReport().previousStop());
                wal.append(Records.key(0, 0, 7), Records.value(0, 0, 16));
            }
            assertTrue(Thread.interrupted(), "the close must leave the interrupt set");
            // LOCK as a writer of another boot leaves it when it dies: recovery scans, repairs and msyncs everything
            Files.writeString(log.resolve(WalLock.FILE_NAME), "pid=1\nboot=another\nstate=open\n");
            Thread.currentThread().interrupt();
            try (ShardedWal wal = ShardedWal.open(options(log)))
            {
                assertEquals("POSSIBLE_OS_CRASH", wal.recoveryReport().previousStop());
                assertEquals(1, countRecords(wal));
                wal.append(Records.key(0, 1, 7), Records.value(0, 1, 16));
            }
            assertTrue(Thread.interrupted(), "the recovering open and its close must leave the interrupt set");
            Thread.currentThread().interrupt();
            try (ShardedWal reader = ShardedWal.openReadOnly(log))
            {
                assertTrue(Thread.interrupted(), "the read-only open must leave the interrupt set");
                assertEquals(2, countRecords(reader)); // reads map segments lazily: not with the interrupt set
                Thread.currentThread().interrupt();
            }
            assertTrue(Thread.interrupted(), "the read-only close must leave the interrupt set");
        }
        finally
        {
            Thread.interrupted();
        }
        assertEquals("closed", WalLock.fields(log).get("state"));
        try (ShardedWal wal = ShardedWal.open(options(log)))
        {
            assertEquals("CLEAN", wal.recoveryReport().previousStop());
            assertEquals(2, countRecords(wal));
        }
    }
}
