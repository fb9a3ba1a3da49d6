package io.shardwal.nativetests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;

/**
 * Cycles of "a child appends, the parent SIGKILLs it at a random moment, the log is checked" over one log
 * directory (a new one every {@code cyclesPerLog} cycles), so that every child recovers what the previous kill
 * left, including logs that earlier recoveries already repaired.
 *
 * <p>After each kill the parent recovers a byte-for-byte copy of the killed log (so the next child still meets
 * the crashed original) and runs the {@link LogVerifier} on it. It also checks the recovery itself: the previous
 * writer stopped by crashing; nothing below the valid end the previous recovery established is repaired; no
 * repair covers an acknowledged record; and the next child, recovering the same bytes, reports exactly the same
 * repairs and valid ends as the parent did (recovery is deterministic).
 *
 * <p>Kill moments: mostly uniform within {@code maxRunMillis} after the child printed {@code OPENED}; one cycle in
 * ten within 80 ms of telling it to open, so that some kills land in recovery and the first appends. Each child
 * is started while the previous cycle runs and opens the log only when told, so JVM startup stays off the clock.
 * Small segments (64 KiB for the first log, 64 to 256 KiB for later ones) make kills land in rolls and segment
 * preparation; the number of prepared segments varies per cycle (0 = rolls create segments inline). Everything
 * random derives from {@code seed}, printed with every failure.
 *
 * <p>With {@code checkpointPauseMicros > 0} each child also runs a {@link Checkpointer} (checkpoints in a loop,
 * now and then a compaction or a pruning) and a {@link CheckpointLedger} checks the checkpoints after every
 * recovery; the record checks then excuse records only below what pruning was asked to prune. Three kills in four
 * (of those that are not early) then aim at an operation: the parent waits a random time, then for the next line
 * announcing a creation, compaction or pruning, and kills 0 to 1.5 ms after it, so kills land inside them.
 */
final class SigkillCampaign
{
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(60);

    /** What to run. */
    record Settings(SyncMode mode, int cycles, int cyclesPerLog, int shards, long segmentSize, int threads,
        long recordsPerSecondPerThread, int maxRunMillis, long checkpointPauseMicros, long seed)
    {
    }

    /** What ran ({@code checkpoints} counts nothing unless the children made checkpoints). */
    record Outcome(int cycles, int killedBeforeOpen, long acknowledged, long recordsAtLastCheck,
        long prunedAcknowledged, int repairs, int blankLockStops, CheckpointLedger.Tally checkpoints, Duration took,
        Duration inChildren, Duration checking)
    {
    }

    /** Line prefixes a targeted kill waits for: a checkpoint creation, compaction or pruning beginning. */
    private static final String[] KILL_TARGETS = {"CB ", "MB ", "PB "};

    /** One log directory and everything known about it. */
    private static final class Log
    {
        final Path directory;
        final long segmentSize;
        final AckLog acks = new AckLog();
        /** Null unless the children make checkpoints. */
        final CheckpointLedger checkpoints;
        final long[] floor;
        int writers;
        RecoverySummary lastParentRecovery;

        Log(final Path directory, final int shards, final long segmentSize, final RecordScheme scheme,
            final boolean checkpointing)
        {
            this.directory = directory;
            this.segmentSize = segmentSize;
            this.checkpoints = checkpointing ? new CheckpointLedger(shards, scheme, acks) : null;
            this.floor = new long[shards];
        }

        boolean acceptLine(final String line)
        {
            return checkpoints != null ? checkpoints.accept(line) : acks.accept(line);
        }
    }

    private final Path work;
    private final Settings settings;
    private final RecordScheme scheme;
    private final SplittableRandom random;
    private final Path crashDirectory;
    private int killedBeforeOpen;
    private int repairs;
    private int blankLockStops;
    private long acknowledged;
    private long recordsAtLastCheck;
    private long prunedAcknowledged;
    private final CheckpointLedger.Tally checkpointTally = new CheckpointLedger.Tally();
    /** Where the copies the parent recovers go: a tmpfs if one can be mounted (copies are scratch, not the test). */
    private Path verifyArea;
    private long childNanos;
    private long checkNanos;

    SigkillCampaign(final Path work, final Settings settings)
    {
        this.work = work;
        this.settings = settings;
        this.scheme = new RecordScheme(settings.seed());
        this.random = new SplittableRandom(settings.seed());
        this.crashDirectory = work.resolve("crashes");
    }

    Outcome run()
    {
        final long started = System.nanoTime();
        Cycle next = null;
        Log log = null;
        final TmpfsMount scratch = TmpfsMount.tryMount(work.resolve("verify-area"), 1L << 30);
        verifyArea = scratch != null ? scratch.path() : work.resolve("verify-area");
        try
        {
            next = plan(0, null);
            for (int cycle = 0; cycle < settings.cycles(); cycle++)
            {
                final Cycle current = next;
                next = null;
                if (current.log() != log)
                {
                    if (log != null)
                    {
                        finish(log, cycle);
                    }
                    log = current.log();
                }
                next = runCycle(current);
            }
            finish(log, settings.cycles());
        }
        finally
        {
            if (next != null)
            {
                next.child().close();
            }
            if (scratch != null)
            {
                scratch.close();
            }
        }
        ChildProcess.assertNoCrashFiles(crashDirectory);
        return new Outcome(settings.cycles(), killedBeforeOpen, acknowledged, recordsAtLastCheck, prunedAcknowledged,
            repairs, blankLockStops, checkpointTally, Duration.ofNanos(System.nanoTime() - started),
            Duration.ofNanos(childNanos), Duration.ofNanos(checkNanos));
    }

    /**
     * One cycle: its log, its child (started ahead, waiting for {@code OPEN}), and when to kill it: after
     * {@code killDelayMillis}, or if {@code killAfter} is set, that long plus until the next line starting with it
     * (at most {@code maxRunMillis} more), plus {@code killLagMicros}.
     */
    private record Cycle(int number, Log log, ChildProcess child, boolean early, int killDelayMillis,
        String killAfter, int killLagMicros)
    {
    }

    /** Starts the child of cycle {@code number}; it boots while the previous cycle runs and waits for OPEN. */
    private Cycle plan(final int number, final Log previous)
    {
        final Log log;
        if (number % settings.cyclesPerLog() == 0)
        {
            // The first log uses the given segment size; later ones (soak) vary it.
            final long segmentSize = number == 0 ? settings.segmentSize() : (64L * 1024) << random.nextInt(3);
            log = new Log(work.resolve("log-" + number / settings.cyclesPerLog()), settings.shards(), segmentSize,
                scheme, settings.checkpointPauseMicros() > 0);
        }
        else
        {
            log = previous;
        }
        final int firstWriter = log.writers;
        log.writers += settings.threads();
        final boolean early = random.nextInt(10) == 0;
        final int target = early || log.checkpoints == null ? KILL_TARGETS.length : random.nextInt(4);
        final String killAfter = target < KILL_TARGETS.length ? KILL_TARGETS[target] : null;
        final int delay = early ? random.nextInt(80)
            : random.nextInt((killAfter == null ? settings.maxRunMillis() : settings.maxRunMillis() / 2) + 1);
        final int lag = random.nextInt(1501);
        final ChildArgs args = new ChildArgs().set("dir", log.directory).set("mode", settings.mode())
            .set("shards", settings.shards()).set("segment", log.segmentSize).set("threads", settings.threads())
            .set("firstWriter", firstWriter).set("seed", settings.seed()).set("prepare", random.nextInt(3))
            .set("rate", settings.recordsPerSecondPerThread()).set("awaitOpen", true);
        if (log.checkpoints != null)
        {
            args.set("checkpointPause", settings.checkpointPauseMicros());
        }
        final ChildProcess child = ChildProcess.of(AppendingChild.class, crashDirectory, args.toArray()).quickStart()
            .lineFilter(log::acceptLine).start();
        return new Cycle(number, log, child, early, delay, killAfter, lag);
    }

    /** Runs {@code current}; returns the next cycle, whose child was started while this one ran. */
    private Cycle runCycle(final Cycle current)
    {
        final int cycle = current.number();
        final Log log = current.log();
        final long ackedBefore = log.acks.total();
        Cycle next = null;
        try
        {
            final long childStarted;
            RecoverySummary childRecovery = null;
            try (ChildProcess child = current.child())
            {
                child.awaitLine(line -> line.equals("READY") || line.startsWith("X "), OPEN_TIMEOUT);
                childStarted = System.nanoTime();
                child.send("OPEN");
                next = cycle + 1 < settings.cycles() ? plan(cycle + 1, log) : null;
                if (!current.early())
                {
                    final String opened = child.awaitLine(line -> line.equals("OPENED") || line.startsWith("X "),
                        OPEN_TIMEOUT);
                    check(opened.equals("OPENED"), cycle, "the child failed: " + opened + "\n" + child.describe());
                }
                sleep(current.killDelayMillis());
                if (current.killAfter() != null)
                {
                    awaitOperation(child, current.killAfter(), current.killLagMicros());
                }
                child.killAndExpectSigkill();
                if (log.checkpoints != null)
                {
                    log.checkpoints.killed();
                }
                child.assertNoCrash();
                childRecovery = childRecovery(child, cycle);
            }
            acknowledged += log.acks.total() - ackedBefore;
            final long checkStarted = System.nanoTime();
            childNanos += checkStarted - childStarted;
            if (childRecovery != null)
            {
                checkChildRecovery(log, cycle, childRecovery);
            }
            verifyCopy(log, cycle);
            checkNanos += System.nanoTime() - checkStarted;
            return next;
        }
        catch (final RuntimeException | Error e)
        {
            if (next != null)
            {
                next.child().close();
            }
            throw e;
        }
    }

    /** Waits for the next line (after those printed so far) starting with {@code prefix}, then {@code lagMicros}. */
    private void awaitOperation(final ChildProcess child, final String prefix, final int lagMicros)
    {
        child.pollLine(line -> false, Duration.ZERO);
        if (child.pollLine(line -> line.startsWith(prefix), Duration.ofMillis(settings.maxRunMillis())) != null)
        {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(lagMicros));
        }
    }

    /** The recovery the killed child reported, or null if it was killed before it opened the log. */
    private RecoverySummary childRecovery(final ChildProcess child, final int cycle)
    {
        final List<String> lines = child.lines();
        for (final String line : lines)
        {
            check(!line.startsWith("X "), cycle, "the child failed: " + line + "\n" + child.describe());
        }
        if (lines.contains("OPENED"))
        {
            return RecoverySummary.parse(lines);
        }
        killedBeforeOpen++;
        return null;
    }

    /** The child recovered the bytes the parent recovered a copy of after the previous kill: same outcome. */
    private void checkChildRecovery(final Log log, final int cycle, final RecoverySummary childRecovery)
    {
        if (log.lastParentRecovery != null)
        {
            check(childRecovery.shards().equals(log.lastParentRecovery.shards())
                && childRecovery.repairs().equals(log.lastParentRecovery.repairs()), cycle,
                "the child's recovery of the log differs from the parent's recovery of a copy of the same bytes:\n"
                + "  child:  " + childRecovery + "\n  parent: " + log.lastParentRecovery);
        }
        for (int shard = 0; shard < settings.shards(); shard++)
        {
            log.floor[shard] = childRecovery.validEnd(shard);
        }
    }

    private void verifyCopy(final Log log, final int cycle)
    {
        final Path copy = verifyArea.resolve("copy");
        Directories.delete(copy);
        if (!Files.exists(log.directory.resolve("wal.manifest")))
        {
            check(log.acks.total() == 0, cycle, "records were acknowledged but the log has no manifest");
            return;
        }
        Directories.copy(log.directory, copy);
        log.lastParentRecovery = verify(log, cycle, copy);
        Directories.delete(copy);
    }

    /** Recovers the log in {@code directory} and verifies it; returns the recovery's summary. */
    private RecoverySummary verify(final Log log, final int cycle, final Path directory)
    {
        final WalOptions options = WalOptions.builder(directory).shardCount(settings.shards())
            .segmentSize(log.segmentSize).syncMode(settings.mode()).prepareAhead(0).createIfMissing(false)
            .build();
        final LogVerifier verifier = new LogVerifier(scheme, log.acks, log.writers);
        final CheckpointLedger.Before before = log.checkpoints == null ? null
            : CheckpointLedger.Before.of(directory);
        if (log.checkpoints != null)
        {
            verifier.allowPruningBelow(log.checkpoints.pruneFloor());
        }
        // A kill between the truncation and the rewrite of LOCK (an open marking it "open") leaves it empty; recovery
        // cannot tell that from a lost file after an OS crash, so it must assume one and scan whole segments.
        final boolean blankLock = size(directory.resolve("LOCK")) == 0;
        // A kill before any open of a new log finished leaves LOCK saying the creation did not: no writer ever
        // appended, so there is no stop to recover from (and nothing may have been acknowledged).
        final boolean creating = !blankLock && lockText(directory).contains("state=creating");
        check(!creating || log.acks.total() == 0, cycle, "records were acknowledged but LOCK says the log's "
            + "creation never finished");
        try (ShardedWal wal = ShardedWal.open(options))
        {
            final RecoverySummary recovery = RecoverySummary.of(wal.recoveryReport());
            final String stop = recovery.previousStop();
            final String expectedStop = blankLock ? "POSSIBLE_OS_CRASH" : creating ? "NONE" : "PROCESS_CRASH";
            check(stop.equals(expectedStop), cycle, "after a SIGKILL" + (blankLock ? " that left LOCK empty"
                : creating ? " during the log's creation" : "") + " the previous stop should be " + expectedStop
                + ", not " + stop + ": " + wal.recoveryReport());
            blankLockStops += blankLock ? 1 : 0;
            final List<String> badRepairs = verifier.checkRepairs(recovery, log.floor);
            check(badRepairs.isEmpty(), cycle, String.join("\n  ", badRepairs) + "\n" + wal.recoveryReport());
            final LogVerifier.Result result = verifier.verify(wal, recovery);
            check(result.ok(), cycle, result.describe() + "\nrecovery: " + wal.recoveryReport());
            if (log.checkpoints != null)
            {
                final List<String> problems = log.checkpoints.verify(wal, directory, before);
                check(problems.isEmpty(), cycle, "checkpoints: " + String.join("\n  ", problems) + "\nrecovery: "
                    + wal.recoveryReport());
            }
            repairs += recovery.repairs().size();
            recordsAtLastCheck = result.records();
            prunedAcknowledged = verifier.prunedAcknowledged();
            return recovery;
        }
    }

    /** The last check of a log: the original (not a copy), recovered by the parent, as the next child would. */
    private void finish(final Log log, final int cycle)
    {
        if (!Files.exists(log.directory.resolve("wal.manifest")))
        {
            return;
        }
        final RecoverySummary recovery = verify(log, cycle, log.directory);
        if (log.lastParentRecovery != null)
        {
            check(recovery.shards().equals(log.lastParentRecovery.shards())
                && recovery.repairs().equals(log.lastParentRecovery.repairs()), cycle,
                "recovering the original log differs from recovering its copy:\n  original: " + recovery
                + "\n  copy:     " + log.lastParentRecovery);
        }
        if (log.checkpoints != null)
        {
            log.checkpoints.addTo(checkpointTally);
        }
        Directories.delete(log.directory);
    }

    private static String lockText(final Path directory)
    {
        try
        {
            return Files.readString(directory.resolve("LOCK"));
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(final Path file)
    {
        try
        {
            return Files.exists(file) ? Files.size(file) : 0;
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    private void check(final boolean condition, final int cycle, final String problem)
    {
        if (!condition)
        {
            throw new AssertionError(settings.mode() + " cycle " + cycle + " of " + settings.cycles() + " (seed "
                + settings.seed() + ", rerun with -Dshardwal.seed=" + settings.seed() + "): " + problem);
        }
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
