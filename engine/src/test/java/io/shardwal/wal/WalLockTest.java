package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.shardwal.mmap.ShardwalException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code LOCK} file as readers see it while a writer rewrites it, and as earlier versions left it. */
class WalLockTest
{
    @TempDir
    Path dir;

    private static WalOptions options(final Path log)
    {
        return WalOptions.builder(log).shardCount(2).segmentSize(16 * 1024).syncMode(SyncMode.ASYNC).prepareAhead(0)
            .build();
    }

    /**
     * A read of LOCK while a writer rewrites it can see part of the new contents over the old (a write is copied
     * into the page cache while the read copies out of it). Every such mix of two real LOCK contents — a log whose
     * creation stopped ({@code creating}) and the same log opened ({@code open}), either way round — is put in place
     * and completed a moment later, as the writer would: a reader must come back with the state of one of the two,
     * never with one that neither holds (which a read-only open would take for "the creation finished" and refuse
     * the log as having lost its shards).
     */
    @Test
    void shouldNeverReadAStateThatNeitherTheOldNorTheNewLockHolds() throws Exception
    {
        final Path log = dir.resolve("log");
        failCreation(log);
        final byte[] creating = Files.readAllBytes(log.resolve(WalLock.FILE_NAME));
        final byte[] open;
        try (ShardedWal wal = ShardedWal.open(options(log)))
        {
            assertEquals("NONE", wal.recoveryReport().previousStop(), "the open finished the creation");
            open = Files.readAllBytes(log.resolve(WalLock.FILE_NAME));
        }
        final Set<String> states = Set.of("creating", "open");
        int torn = 0;
        for (final byte[][] pair : List.of(new byte[][] {creating, open}, new byte[][] {open, creating}))
        {
            for (final String mix : tornReads(pair[0], pair[1]))
            {
                torn++;
                final byte[] bytes = mix.getBytes(StandardCharsets.ISO_8859_1);
                final String state = readWhileTheWriteCompletes(log, bytes, pair[1]);
                assertTrue(states.contains(String.valueOf(state)), "read state " + state + " from a LOCK torn as "
                    + new String(bytes, StandardCharsets.UTF_8));
            }
        }
        assertTrue(torn > 10, "the two LOCK contents barely differ: the test proved nothing");
    }

    /**
     * What a read of a file being rewritten from {@code before} to {@code after} can see, other than either: the
     * new bytes up to a point and the old ones after it (or the reverse, a read that started first and was overtaken),
     * as long as the old file or as long as the new one.
     */
    private static Set<String> tornReads(final byte[] before, final byte[] after)
    {
        final Set<String> mixes = new LinkedHashSet<>();
        for (final int length : new int[] {before.length, after.length})
        {
            for (int point = 0; point <= Math.max(before.length, after.length); point++)
            {
                for (final boolean newFirst : new boolean[] {true, false})
                {
                    final byte[] mix = new byte[length];
                    for (int i = 0; i < length; i++)
                    {
                        final boolean fromNew = (i < point) == newFirst;
                        mix[i] = (fromNew && i < after.length) || i >= before.length ? after[i] : before[i];
                    }
                    mixes.add(new String(mix, StandardCharsets.ISO_8859_1));
                }
            }
        }
        mixes.remove(new String(before, StandardCharsets.ISO_8859_1));
        mixes.remove(new String(after, StandardCharsets.ISO_8859_1));
        return mixes;
    }

    /** Puts {@code torn} in place, reads LOCK, and meanwhile completes the write with {@code whole} after 10 ms. */
    private static String readWhileTheWriteCompletes(final Path log, final byte[] torn, final byte[] whole)
        throws Exception
    {
        final Path file = log.resolve(WalLock.FILE_NAME);
        Files.write(file, torn);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread writer = Thread.ofPlatform().start(() ->
        {
            try
            {
                Thread.sleep(10);
                // As a writer does: over the torn bytes in place (Files.write would empty the file first)
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
                {
                    final ByteBuffer bytes = ByteBuffer.wrap(whole);
                    while (bytes.hasRemaining())
                    {
                        channel.write(bytes, bytes.position());
                    }
                    channel.truncate(whole.length);
                }
            }
            catch (final IOException | InterruptedException | RuntimeException e)
            {
                failure.set(e);
            }
        });
        try
        {
            return WalLock.fields(log).get("state");
        }
        finally
        {
            writer.join();
            assertNull(failure.get());
        }
    }

    /**
     * A writer rewriting LOCK in a loop (open, closed) while readers read it: every read gets a state the writer
     * wrote, and none fails.
     */
    @Test
    void shouldReadOnlyWrittenStatesWhileAWriterRewritesLockInALoop() throws Exception
    {
        final Path log = Files.createDirectories(dir.resolve("race"));
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread writer;
        try (WalLock lock = WalLock.acquire(log, false))
        {
            writer = Thread.ofPlatform().start(() ->
            {
                try
                {
                    while (!done.get())
                    {
                        lock.markRecovered();
                        lock.markClean();
                    }
                }
                catch (final IOException | RuntimeException e)
                {
                    failure.set(e);
                }
            });
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            int reads = 0;
            try
            {
                while (System.nanoTime() - deadline < 0 || reads < 100)
                {
                    final Map<String, String> fields = WalLock.fields(log);
                    assertTrue(Set.of("creating", "open", "closed").contains(fields.get("state")), fields.toString());
                    assertEquals(Long.toString(ProcessHandle.current().pid()), fields.get("pid"));
                    reads++;
                }
            }
            finally
            {
                done.set(true);
                writer.join();
            }
        }
        assertNull(failure.get());
    }

    /** The record is written down once: the golden file is read back, and written byte for byte. */
    @Test
    void shouldReadAndWriteTheGoldenLockRecord() throws IOException
    {
        final byte[] golden = resource("/golden/LOCK-v2");
        Files.write(dir.resolve(WalLock.FILE_NAME), golden);
        final Map<String, String> fields = WalLock.fields(dir);
        assertEquals(goldenFields(), fields);
        assertArrayEquals(golden, LockFileDescriptor.encode(fields));
    }

    /** LOCK as earlier versions wrote it (plain lines, no checksum) is still read, and a writer replaces it. */
    @Test
    void shouldReadTheLockTextOfEarlierVersions() throws IOException
    {
        Files.write(dir.resolve(WalLock.FILE_NAME), resource("/golden/LOCK-v1"));
        assertEquals(goldenFields(), WalLock.fields(dir));
        assertEquals(LogFiles.LastStop.CLEAN, LogFiles.lastWriter(dir).stop());

        final Path log = dir.resolve("log");
        ShardedWal.open(options(log)).close();
        Files.writeString(log.resolve(WalLock.FILE_NAME), "pid=1\nboot=" + WalLock.bootId() + "\nstate=closed\n");
        try (ShardedWal wal = ShardedWal.open(options(log)))
        {
            assertEquals("CLEAN", wal.recoveryReport().previousStop());
            assertEquals(LockFileDescriptor.RECORD_LENGTH, Files.size(log.resolve(WalLock.FILE_NAME)));
            assertEquals("open", WalLock.fields(log).get("state"));
        }
        assertEquals("closed", WalLock.fields(log).get("state"));
    }

    /**
     * Earlier versions' text whose state line is gone (here a damaged line end merged it into the line before) is
     * damage, not a LOCK to read: the writer takes the stop for a possible OS crash instead of failing on it.
     */
    @Test
    void shouldTakeEarlierLockTextWithoutAStateLineForDamage() throws IOException
    {
        final String merged = "pid=1\nboot=00000000-0000-0000-0000-000000000000\nstarted=then\u0002state=open\n";
        assertNull(LockFileDescriptor.decode(merged.getBytes(StandardCharsets.UTF_8)));

        final Path log = dir.resolve("log");
        ShardedWal.open(options(log)).close();
        Files.writeString(log.resolve(WalLock.FILE_NAME), merged);
        try (ShardedWal wal = ShardedWal.open(options(log)))
        {
            assertEquals("POSSIBLE_OS_CRASH", wal.recoveryReport().previousStop());
        }
        assertEquals("closed", WalLock.fields(log).get("state"));
    }

    /**
     * A record that stays damaged is no rewrite in progress: a reader gives up after a moment with an error naming
     * the file; the next writer takes the stop for a possible OS crash and writes a whole record.
     */
    @Test
    void shouldRefuseALockRecordThatStaysDamagedNamingTheFile() throws IOException
    {
        final Path log = dir.resolve("log");
        ShardedWal.open(options(log)).close();
        final Path file = log.resolve(WalLock.FILE_NAME);
        final byte[] record = Files.readAllBytes(file);
        final int state = new String(record, StandardCharsets.US_ASCII).indexOf("state=closed");
        record[state + "state=".length()] = 'x';
        Files.write(file, record);

        final long started = System.nanoTime();
        final ShardwalException e = assertThrows(ShardwalException.class, () -> WalLock.fields(log));
        assertEquals(ShardwalException.Category.CORRUPT, e.category());
        assertEquals(file, e.file());
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        assertTrue(System.nanoTime() - started >= WalLock.TORN_READ_PATIENCE_NANOS, "gave a rewrite its time");

        try (ShardedWal wal = ShardedWal.open(options(log)))
        {
            assertEquals("POSSIBLE_OS_CRASH", wal.recoveryReport().previousStop());
        }
        assertEquals("closed", WalLock.fields(log).get("state"));
    }

    private static Map<String, String> goldenFields()
    {
        final Map<String, String> fields = new LinkedHashMap<>();
        fields.put("pid", "4242");
        fields.put("boot", "0b6f2f8e-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
        fields.put("started", "2026-11-22T10:00:00Z");
        fields.put("state", "closed");
        return fields;
    }

    private static byte[] resource(final String name) throws IOException
    {
        try (InputStream in = WalLockTest.class.getResourceAsStream(name))
        {
            return in.readAllBytes();
        }
    }

    /** A creation that fails after the manifest and shard directories, before any segment: LOCK says creating. */
    private static void failCreation(final Path log) throws IOException
    {
        final Path leftover = Files.createDirectories(log.resolve("HEAD.tmp"));
        Files.writeString(leftover.resolve("blocker"), "cannot delete a directory that is not empty");
        assertThrows(ShardwalException.class, () -> ShardedWal.open(options(log)));
        Files.delete(leftover.resolve("blocker"));
        Files.delete(leftover);
        assertEquals("creating", WalLock.fields(log).get("state"));
    }
}
