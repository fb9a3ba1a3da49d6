package io.shardwal.nativetests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalBatch;
import io.shardwal.wal.WalClaim;
import io.shardwal.wal.WalOptions;

/**
 * A log on a small tmpfs that the test fills up. Segments are preallocated with posix_fallocate, so a full disk
 * shows when a segment is created — by the preparer in the background or inline in a roll, or when a new log is
 * opened — as an IO error whose cause names "No space left on device", never as a SIGBUS in a mapped write.
 * What users need: the failing call says so clearly, the JVM stays up, everything acknowledged stays readable,
 * and appends resume once space is freed.
 */
class DiskFullTest
{
    private static final String NO_SPACE = "No space left on device";
    private static final long SEGMENT = 64 * 1024;
    private static final long SEGMENT_FILE = SEGMENT + 4096;
    private static final int WRITER = 0;

    private final long seed = Seeds.seed();
    private final RecordScheme scheme = new RecordScheme(seed);
    private final AckLog acks = new AckLog();
    private Path work;
    private TmpfsMount mount;
    private long nextSeq;

    @BeforeEach
    void scratch()
    {
        work = Directories.scratch("disk-full");
    }

    @AfterEach
    void unmount()
    {
        if (mount != null)
        {
            mount.close();
        }
        Directories.delete(work);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldFailRollsWithNoSpaceLeftKeepEverythingAcknowledgedAndResumeOnceSpaceIsFreed(final SyncMode mode)
        throws IOException
    {
        mount = TmpfsMount.mountOrSkip(work.resolve("mnt"), 2 << 20);
        final Path dir = mount.path().resolve("wal");
        final WalOptions options = options(dir, mode);
        try (ShardedWal wal = ShardedWal.open(options))
        {
            awaitPreparedSegments(wal);
            // Room for two more segment files: the preparer fills it after a few rolls, then a roll must fail.
            final Path ballast = mount.fillLeaving(2 * SEGMENT_FILE + 8192);
            final ShardwalException failure = appendUntilFailure(wal);
            assertDiskFull(failure, dir);
            final int fullShard = wal.shardFor(scheme.key(WRITER, nextSeq));
            final List<Path> taken = keepFull(dir);

            // The shard is not poisoned: every way of appending to it fails the same way, cleanly, again.
            assertDiskFull(assertThrows(ShardwalException.class, () -> append(wal)), dir);
            final WalClaim claim = new WalClaim();
            assertDiskFull(assertThrows(ShardwalException.class, () -> wal.tryClaim(scheme.key(WRITER, nextSeq),
                scheme.valueLength(WRITER, nextSeq), claim)), dir);
            assertFalse(claim.isActive(), "a failed tryClaim left its claim open");
            final WalBatch batch = wal.newBatch().add(scheme.key(WRITER, nextSeq), scheme.value(WRITER, nextSeq));
            assertDiskFull(assertThrows(ShardwalException.class, () -> wal.appendBatch(batch)), dir);
            assertReadable(wal, "while the disk is full");

            Files.delete(ballast);
            for (final Path more : taken)
            {
                Files.delete(more);
            }
            final long before = wal.stats().shards().get(fullShard).rolls();
            appendRecords(wal, 8 * SEGMENT);
            assertTrue(wal.stats().shards().get(fullShard).rolls() >= before + 2, "shard " + fullShard + " did not roll "
                + "again after the space came back: " + wal.stats().shards().get(fullShard));
            assertReadable(wal, "after the space came back");
        }
        try (ShardedWal wal = ShardedWal.open(options))
        {
            assertEquals("CLEAN", wal.recoveryReport().previousStop(), wal.recoveryReport().summary());
            assertReadable(wal, "after a reopen");
        }
    }

    @ParameterizedTest(name = "{0} bytes free")
    @ValueSource(ints = {0, 20 * 1024})
    void shouldRefuseToOpenANewLogOnAFullDiskAndOpenItOnceSpaceIsFreed(final int freeBytes) throws IOException
    {
        mount = TmpfsMount.mountOrSkip(work.resolve("mnt"), 1 << 20);
        final Path dir = mount.path().resolve("wal");
        final WalOptions options = options(dir, SyncMode.STRICT);
        final Path ballast = mount.fillLeaving(freeBytes);

        assertDiskFull(assertThrows(ShardwalException.class, () -> ShardedWal.open(options).close()), dir);
        // The failed open let go of everything it took: trying again fails the same way, not with LOCKED.
        assertDiskFull(assertThrows(ShardwalException.class, () -> ShardedWal.open(options).close()), dir);

        Files.delete(ballast);
        try (ShardedWal wal = ShardedWal.open(options))
        {
            appendRecords(wal, 3 * SEGMENT);
        }
        try (ShardedWal wal = ShardedWal.open(options))
        {
            assertReadable(wal, "after creating the log once space was freed");
        }
    }

    @Test
    void shouldRecoverAndReadAnExistingLogOnAFullDisk() throws IOException
    {
        mount = TmpfsMount.mountOrSkip(work.resolve("mnt"), 2 << 20);
        final Path dir = mount.path().resolve("wal");
        final WalOptions options = options(dir, SyncMode.STRICT);
        try (ShardedWal wal = ShardedWal.open(options))
        {
            appendRecords(wal, 5 * SEGMENT);
        }
        final Path ballast = mount.fillLeaving(0);
        assertTrue(mount.usableSpace() < 4096, "the tmpfs still has " + mount.usableSpace() + " bytes free");

        try (ShardedWal wal = ShardedWal.open(options))
        {
            assertReadable(wal, "reopened on a full disk");
            assertDiskFull(appendUntilFailure(wal), dir);
            assertReadable(wal, "after appends filled the last segments of a full disk");
        }
        Files.delete(ballast);
        try (ShardedWal wal = ShardedWal.open(options))
        {
            assertReadable(wal, "after the space came back");
        }
    }

    private static WalOptions options(final Path dir, final SyncMode mode)
    {
        return WalOptions.builder(dir).shardCount(2).segmentSize(SEGMENT).syncMode(mode).prepareAhead(1).build();
    }

    /** Waits until the background preparer has one segment ready per shard, so free space is what we say. */
    private static void awaitPreparedSegments(final ShardedWal wal)
    {
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (wal.stats().shards().stream().anyMatch(stats -> stats.segmentCount() < 2))
        {
            if (System.nanoTime() > deadline)
            {
                fail("the preparer did not create the next segments within 30 s: " + wal.stats().shards());
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Keeps the disk full after a roll failed. The background preparer may have been preallocating a segment at that
     * moment, and when its creation fails too it gives the space back, enough for the next roll to succeed: the
     * failing roll may even have failed because of it. So once no creation is under way, this fills what is free
     * again, until the disk stays full.
     *
     * @return the ballast files it wrote.
     */
    private List<Path> keepFull(final Path dir) throws IOException
    {
        final List<Path> ballasts = new ArrayList<>();
        final long deadline = System.nanoTime() + 30_000_000_000L;
        do
        {
            while (creationUnderWay(dir))
            {
                if (System.nanoTime() > deadline)
                {
                    fail("a segment creation in " + dir + " did not end within 30 s");
                }
                Thread.onSpinWait();
            }
            ballasts.add(mount.fillLeaving(0));
            LockSupport.parkNanos(20_000_000L);
        }
        while (creationUnderWay(dir) || mount.usableSpace() >= SEGMENT_FILE);
        return ballasts;
    }

    private static boolean creationUnderWay(final Path dir) throws IOException
    {
        try (Stream<Path> files = Files.walk(dir))
        {
            return files.anyMatch(file -> file.getFileName().toString().endsWith(MappedSegment.CREATING_SUFFIX));
        }
    }

    private long append(final ShardedWal wal)
    {
        final long address = wal.append(scheme.key(WRITER, nextSeq), scheme.value(WRITER, nextSeq));
        acks.record(WRITER, nextSeq++, address);
        return address;
    }

    private ShardwalException appendUntilFailure(final ShardedWal wal)
    {
        for (int i = 0; i < 200_000; i++)
        {
            try
            {
                append(wal);
            }
            catch (final ShardwalException e)
            {
                return e;
            }
        }
        return fail("200000 appends on a full disk did not fail; shards: " + wal.stats().shards());
    }

    private void appendRecords(final ShardedWal wal, final long payloadBytes)
    {
        long written = 0;
        while (written < payloadBytes)
        {
            written += scheme.valueLength(WRITER, nextSeq);
            append(wal);
        }
    }

    /** IO, saying "No space left on device" itself and through an IOException cause, naming a file of the log. */
    private void assertDiskFull(final ShardwalException failure, final Path dir)
    {
        assertNotNull(failure);
        final String context = "seed " + seed + ": " + failure;
        assertEquals(ShardwalException.Category.IO, failure.category(), context);
        assertTrue(failure.getMessage().contains(NO_SPACE), "the message does not say why: " + context);
        final IOException cause = assertInstanceOf(IOException.class, failure.getCause(), context);
        assertTrue(String.valueOf(cause.getMessage()).contains(NO_SPACE), "the cause does not say why: " + cause);
        assertNotNull(failure.file(), "the error names no file: " + context);
        assertTrue(failure.file().startsWith(dir), "the error names " + failure.file() + ", not a file of " + dir);
    }

    /** Every acknowledged record is there, intact, at its address, and nothing else is. */
    private void assertReadable(final ShardedWal wal, final String when)
    {
        final List<String> problems = Readback.exactly(wal, scheme, acks);
        assertTrue(problems.isEmpty(), "seed " + seed + ", " + when + ":\n  " + String.join("\n  ", problems));
    }
}
