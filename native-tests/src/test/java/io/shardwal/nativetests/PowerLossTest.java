package io.shardwal.nativetests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.shardwal.wal.LogFiles;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;

/**
 * Power cuts, not process kills: a child appends records (singles, batches, zero-copy claims) in each sync mode,
 * and in one STRICT variant creates, compacts and prunes checkpoints, on {@link PowerLossFs}, a FUSE file system that
 * keeps aside what a disk would hold after a power cut (what was fsynced or msynced, and a random part of what was
 * not). At a random moment the parent takes that image, kills the child, and recovers the image as the machine
 * would after a reboot: every record acknowledged as durable before the cut ({@link DurableAcks}: every STRICT
 * append, BATCH_ONLY batches, and in every mode what a {@code sync()} that returned covered) must be there, intact,
 * in order; nothing torn, corrupt or aborted may be delivered ({@link LogVerifier}); the checkpoints must be what
 * {@link CheckpointLedger} allows. The next cycle mounts the image again, so each child first recovers what the
 * previous power cut left, and the log is cut again while it recovers, rolls, prepares segments and writes
 * checkpoints.
 *
 * <p>SIGKILL tests ({@link SigkillRecoveryTest}) cannot show this: after a kill the page cache keeps every byte
 * written. Here only what shardwal made durable survives — a missing msync, a segment or directory entry not synced
 * before it is relied on, a header page trusted too far, shows up as a lost acknowledged record or a failed open.
 * From the cut on every write fails, so nothing acknowledged after it can have been made durable after it.
 *
 * <p>Needs Linux, {@code /dev/fuse} and root (to mount); skipped with the reason otherwise. Everything random derives
 * from the printed seed ({@code -Dshardwal.seed=N} replays the cuts, not the timing).
 */
@Slow
class PowerLossTest
{
    private static final int DEFAULT_CYCLES = Integer.getInteger("shardwal.powerCycles", 20);
    private static final int SOAK_CYCLES = Integer.getInteger("shardwal.soakPowerCycles", 200);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int CYCLES_PER_LOG = 50;
    private static final int SHARDS = 3;
    private static final long SEGMENT = 64 * 1024;
    private static final int THREADS = 3;

    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepEveryDurableRecordThroughPowerCuts(final SyncMode mode)
    {
        run(DEFAULT_CYCLES, mode, false);
    }

    @Test
    void shouldKeepEveryAcknowledgedRecordAndCheckpointThroughPowerCuts()
    {
        run(DEFAULT_CYCLES, SyncMode.STRICT, true);
    }

    @Soak
    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepEveryDurableRecordThroughASoakOfPowerCuts(final SyncMode mode)
    {
        run(SOAK_CYCLES, mode, false);
    }

    @Soak
    @Test
    void shouldKeepEveryAcknowledgedRecordAndCheckpointThroughASoakOfPowerCuts()
    {
        run(SOAK_CYCLES, SyncMode.STRICT, true);
    }

    /**
     * What recovery repairs must stay repaired: leftovers of an interrupted compaction, HEAD update and segment
     * creation are deleted by the open, and a power cut right after it must not bring them back (to be reported,
     * and deleted, a second time): the deletions are synced before the open returns.
     */
    @Test
    void shouldKeepWhatRecoveryRepairedThroughAPowerCutRightAfterTheOpen() throws IOException
    {
        final String unavailable = FuseDevice.unavailable();
        Assumptions.assumeTrue(unavailable == null, "cannot cut the power under a FUSE file system: " + unavailable);
        final Path work = Directories.scratch("power-loss-repairs");
        final Path start = work.resolve("start");
        final Path directory = start.resolve("wal");
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(directory).shardCount(SHARDS).segmentSize(SEGMENT)
            .syncMode(SyncMode.STRICT).build()))
        {
            for (int i = 0; i < 100; i++)
            {
                wal.append(("key-" + i).getBytes(StandardCharsets.UTF_8), new byte[64]);
            }
            wal.createCheckpoint("first");
            wal.createCheckpoint("second");
        }
        Files.write(directory.resolve("checkpoints.log.tmp"), new byte[100]);
        Files.write(directory.resolve("HEAD.tmp"), new byte[10]);
        final Path shard = LogFiles.shardDirectory(directory, 0);
        final long bases;
        try (java.util.stream.Stream<Path> files = Files.list(shard))
        {
            bases = files.count();
        }
        Files.write(shard.resolve(LogFiles.segmentFileName(bases * SEGMENT) + ".creating"), new byte[4096]);
        final Path mount = work.resolve("mount");
        final Path image = work.resolve("image");
        try
        {
            final ChildArgs args = new ChildArgs().set("dir", mount.resolve("wal")).set("mode", SyncMode.STRICT)
                .set("shards", SHARDS).set("segment", SEGMENT).set("threads", 0).set("prepare", 0);
            powerCut(mount, work.resolve("crashes"), start, image, "synced-only", ChildProcess.of(AppendingChild.class,
                work.resolve("crashes"), args.toArray()), "", true, running -> awaitOpened(running, ""));
        }
        finally
        {
            unmountLeftover(mount);
        }
        rebootLock(image.resolve("wal").resolve("LOCK"));
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(image.resolve("wal")).shardCount(SHARDS)
            .segmentSize(SEGMENT).syncMode(SyncMode.STRICT).prepareAhead(0).createIfMissing(false).build()))
        {
            assertEquals(List.of(), wal.recoveryReport().repairs(), "repairs after a power cut right after an open "
                + "that had made them: " + wal.recoveryReport());
        }
        Directories.delete(work);
    }

    private static void run(final int cycles, final SyncMode mode, final boolean checkpointing)
    {
        final String unavailable = FuseDevice.unavailable();
        Assumptions.assumeTrue(unavailable == null, "cannot cut the power under a FUSE file system: " + unavailable);
        final long seed = Seeds.seed();
        final Path work = Directories.scratch("power-loss-" + mode + (checkpointing ? "-checkpoints" : ""));
        long acknowledged = 0;
        int repairs = 0;
        // A new log every CYCLES_PER_LOG cuts: the file system holds a log twice in its heap (as seen, as durable).
        for (int first = 0, log = 0; first < cycles; first += CYCLES_PER_LOG, log++)
        {
            final Path logWork = work.resolve("log-" + log);
            final Campaign campaign = new Campaign(logWork, seed, log, mode, checkpointing);
            try
            {
                campaign.run(Math.min(CYCLES_PER_LOG, cycles - first));
            }
            finally
            {
                unmountLeftover(logWork.resolve("mount"));
            }
            acknowledged += campaign.acknowledged;
            repairs += campaign.repairs;
            System.out.println(mode + " power loss seed " + seed + ", log " + log + ": " + campaign.acknowledged
                + " records acknowledged, " + campaign.lastRecords + " in the log at the end; " + campaign.cutSummary);
        }
        System.out.println(mode + " power loss seed " + seed + ": " + cycles + " cuts, " + acknowledged
            + " records acknowledged, " + repairs + " repairs");
        assertTrue(acknowledged > cycles * 10L, "seed " + seed + ": too few records were acknowledged to "
            + "prove anything (" + acknowledged + " in " + cycles + " cycles)");
        Directories.delete(work);
    }

    /** The cycles of one log, cut again and again. */
    private static final class Campaign
    {
        private final Path work;
        private final long seed;
        private final long testSeed;
        private final int logNumber;
        private final SplittableRandom random;
        private final SyncMode mode;
        private final RecordScheme scheme;
        private final AckLog acks = new AckLog();
        private final DurableAcks durableAcks;
        /** Null unless the children make checkpoints. */
        private final CheckpointLedger checkpoints;
        private final Path mount;
        private final Path crashes;
        private int writers;
        private long acknowledged;
        private long lastRecords;
        private int repairs;
        private String cutSummary = "";

        Campaign(final Path work, final long testSeed, final int logNumber, final SyncMode mode,
            final boolean checkpointing)
        {
            final long seed = testSeed + logNumber;
            this.testSeed = testSeed;
            this.logNumber = logNumber;
            this.mode = mode;
            this.durableAcks = new DurableAcks(mode, seed, acks);
            this.checkpoints = checkpointing ? new CheckpointLedger(SHARDS, new RecordScheme(seed), acks) : null;
            this.work = work;
            this.seed = seed;
            this.random = new SplittableRandom(seed);
            this.scheme = new RecordScheme(seed);
            this.mount = work.resolve("mount");
            this.crashes = work.resolve("crashes");
        }

        void run(final int cycles)
        {
            Path image = null;
            for (int cycle = 0; cycle < cycles; cycle++)
            {
                final Path next = work.resolve("image-" + cycle);
                cycle(cycle, cycles, image, next);
                if (image != null)
                {
                    Directories.delete(image);
                }
                image = next;
            }
            ChildProcess.assertNoCrashFiles(crashes);
        }

        private void cycle(final int cycle, final int cycles, final Path image, final Path next)
        {
            final String where = "log " + logNumber + " cycle " + cycle + " of " + cycles + " (seed " + testSeed
                + ", rerun with -Dshardwal.seed=" + testSeed + "): ";
            final long ackedBefore = acks.total();
            final int firstWriter = writers;
            writers += THREADS;
            final ChildArgs args = new ChildArgs().set("dir", mount.resolve("wal")).set("mode", mode)
                .set("shards", SHARDS).set("segment", SEGMENT).set("threads", THREADS)
                .set("firstWriter", firstWriter).set("seed", seed).set("prepare", random.nextInt(3))
                .set("rate", random.nextBoolean() ? 0 : 500).set("syncMillis", 5 + random.nextInt(50));
            if (checkpoints != null)
            {
                args.set("checkpointPause", 2000);
            }
            if (mode != SyncMode.STRICT)
            {
                args.set("syncPause", 20);
            }
            final ChildProcess.Builder child = ChildProcess.of(AppendingChild.class, crashes, args.toArray())
                .quickStart().lineFilter(checkpoints != null ? checkpoints::accept : durableAcks);
            // Most cuts after the child opened; one in five while it starts, recovers or creates the log.
            final boolean afterOpen = random.nextInt(5) != 0;
            final int delay = afterOpen ? random.nextInt(400) : 300 + random.nextInt(900);
            final String cutSeed = Long.toString(random.nextLong());
            cutSummary = powerCut(mount, crashes, image, next, cutSeed, child, where, cycle == 0, running ->
            {
                if (afterOpen)
                {
                    awaitOpened(running, where);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(delay));
            });
            durableAcks.powerCut();
            if (checkpoints != null)
            {
                checkpoints.powerCut();
            }
            acknowledged += acks.total() - ackedBefore;
            verify(where, next);
        }

        /** Recovers a copy of the image after a "reboot" and checks every acknowledged record. */
        private void verify(final String where, final Path image)
        {
            final Path copy = work.resolve("verify");
            if (!rebootAndCopy(image.resolve("wal"), copy, acks.total() == 0 ? null : acks.total() + " records were "
                + "acknowledged", where))
            {
                return;
            }
            final WalOptions options = WalOptions.builder(copy).shardCount(SHARDS).segmentSize(SEGMENT)
                .syncMode(mode).prepareAhead(0).createIfMissing(false).build();
            final LogVerifier verifier = new LogVerifier(scheme, acks, writers);
            if (mode != SyncMode.STRICT)
            {
                verifier.allowHoles();
            }
            final CheckpointLedger.Before before = checkpoints == null ? null : CheckpointLedger.Before.of(copy);
            if (checkpoints != null)
            {
                verifier.allowPruningBelow(checkpoints.pruneFloor());
            }
            try (ShardedWal wal = ShardedWal.open(options))
            {
                final RecoverySummary recovery = rebooted(wal, where);
                final LogVerifier.Result result = verifier.verify(wal, recovery);
                check(result.ok(), where + result.describe() + "\nrecovery: " + wal.recoveryReport());
                if (checkpoints != null)
                {
                    final List<String> problems = checkpoints.verify(wal, copy, before);
                    check(problems.isEmpty(), where + "checkpoints: " + String.join("\n  ", problems)
                        + "\nrecovery: " + wal.recoveryReport());
                }
                System.out.println(where + acks.total() + " acknowledged, " + result.records() + " in the log, "
                    + recovery.previousStop() + ", " + recovery.repairs().size() + " repairs; " + cutSummary);
                repairs += recovery.repairs().size();
                lastRecords = result.records();
            }
            catch (final RuntimeException e)
            {
                throw new AssertionError(where + "recovering the log a power cut left failed", e);
            }
            Directories.delete(copy);
        }
    }

    /** Detaches a FUSE mount a failed run left at {@code mount} (its server gone, any access would fail). */
    static void unmountLeftover(final Path mount)
    {
        try
        {
            final String mounts = Files.readString(Path.of("/proc/self/mounts"));
            if (mounts.contains(" " + mount + " "))
            {
                new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start().waitFor();
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One power cut: mounts a {@link PowerLossFs} at {@code mount} holding {@code image} (null: an empty disk), starts
     * {@code child} on it, lets {@code beforeCut} wait, cuts the power into {@code next}, kills the child and
     * unmounts ({@code cutSeed}: see {@link PowerLossFs}). Returns the cut's summary. A refused mount skips the test
     * if it is the test's {@code firstMount}, and fails it otherwise.
     */
    static String powerCut(final Path mount, final Path crashes, final Path image, final Path next,
        final String cutSeed, final ChildProcess.Builder child, final String where, final boolean firstMount,
        final Consumer<ChildProcess> beforeCut)
    {
        createDirectory(mount);
        final ChildArgs fsArgs = new ChildArgs().set("mount", mount);
        if (image != null)
        {
            fsArgs.set("image", image);
        }
        final String summary;
        // It holds every file twice (as processes see it, and as durable), up to CYCLES_PER_LOG cuts' worth of a log
        try (ChildProcess fs = ChildProcess.of(PowerLossFs.class, crashes, fsArgs.toArray()).maxHeapMiB(512).start())
        {
            final String mounted = fs.awaitLine(line -> line.equals("MOUNTED") || line.startsWith("X "), TIMEOUT);
            if (mounted.startsWith(PowerLossFs.UNAVAILABLE))
            {
                // Only the first mount of a test can be refused: once one worked, a refusal is a failure.
                check(firstMount, where + mounted);
                Assumptions.abort("cannot mount the test's FUSE file system: " + mounted);
            }
            check(mounted.equals("MOUNTED"), where + "the file system did not start: " + mounted + "\n"
                + fs.describe());
            try (ChildProcess running = child.start())
            {
                beforeCut.accept(running);
                // Failures after the cut are expected (every write and sync fails from then on); before it, not.
                for (final String line : running.lines())
                {
                    check(!line.startsWith("X "), where + "the child failed: " + line + "\n" + running.describe());
                }
                fs.send("CUT " + next + " " + cutSeed);
                final String cut = fs.awaitLine(line -> line.startsWith("CUT ") || line.startsWith("X "), TIMEOUT);
                check(cut.startsWith("CUT "), where + "the power cut failed: " + cut + "\n" + fs.describe());
                summary = cut.substring(4);
                running.kill();
            }
            fs.send("EXIT");
            fs.awaitExit(TIMEOUT);
        }
        return summary;
    }

    /** Waits for the child's {@code OPENED} (it opened, and so recovered, the log); fails if it failed first. */
    static void awaitOpened(final ChildProcess child, final String where)
    {
        final String opened = child.awaitLine(line -> line.equals("OPENED") || line.startsWith("X "), TIMEOUT);
        check(opened.equals("OPENED"), where + "the child failed: " + opened + "\n" + child.describe());
    }

    /**
     * Reboots the log a cut left in {@code directory} ({@link #rebootLock}) and copies it to {@code copy}, to be
     * recovered there: the image stays as the cut left it, the next cycle's disk. Returns false, copying nothing, if
     * the log's manifest did not survive the cut (it was being created); fails then unless {@code acknowledged}
     * (what the child acknowledged as durable, said for the failure) is null.
     */
    static boolean rebootAndCopy(final Path directory, final Path copy, final String acknowledged, final String where)
    {
        rebootLock(directory.resolve("LOCK"));
        if (!Files.exists(directory.resolve("wal.manifest")))
        {
            check(acknowledged == null, where + acknowledged + " but the log's manifest did not survive the power "
                + "cut");
            return false;
        }
        Directories.delete(copy);
        Directories.copy(directory, copy);
        return true;
    }

    /** The recovery of a log a cut left, which must not take the cut for a process crash (the machine rebooted). */
    static RecoverySummary rebooted(final ShardedWal wal, final String where)
    {
        final RecoverySummary recovery = RecoverySummary.of(wal.recoveryReport());
        check(!recovery.previousStop().equals("PROCESS_CRASH"), where + "after a reboot the previous stop was taken "
            + "for a process crash: " + wal.recoveryReport());
        return recovery;
    }

    /**
     * The machine rebooted: gives the {@code LOCK} record another boot id, as the kernel would after a real power
     * cut (the test cannot reboot; with the same boot id the log would take the cut for a process crash and trust
     * the page cache). A LOCK that is missing, empty or not a whole record is left: recovery treats it as a crash
     * in an unknown boot anyway.
     */
    static void rebootLock(final Path lock)
    {
        try
        {
            if (!Files.exists(lock))
            {
                return;
            }
            final byte[] record = Files.readAllBytes(lock);
            final String text = new String(record, StandardCharsets.ISO_8859_1);
            final int boot = text.indexOf("\nboot=");
            if (record.length != 512 || !text.startsWith("crc32c=") || boot < 0)
            {
                return;
            }
            final int start = boot + "\nboot=".length();
            final int end = text.indexOf('\n', start);
            final byte[] other = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
            if (end - start != other.length)
            {
                return;
            }
            System.arraycopy(other, 0, record, start, other.length);
            final CRC32C crc = new CRC32C();
            crc.update(record, 15, record.length - 15);
            final byte[] digits = HexFormat.of().toHexDigits((int)crc.getValue()).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(digits, 0, record, 7, 8);
            Files.write(lock, record);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot rewrite " + lock, e);
        }
    }

    private static void createDirectory(final Path directory)
    {
        try
        {
            Files.createDirectories(directory);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    private static void check(final boolean condition, final String problem)
    {
        if (!condition)
        {
            throw new AssertionError(problem);
        }
    }
}
