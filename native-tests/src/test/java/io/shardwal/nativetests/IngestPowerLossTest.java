package io.shardwal.nativetests;

import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;

/**
 * Power cuts under the ingest front end: {@link IngestingChild} sends samples from two threads and flushes now and
 * then on {@link PowerLossFs}, which keeps what a disk would hold after a power cut (only what was fsynced or
 * msynced, and a random part of the rest). At a random moment {@link PowerLossTest#powerCut} takes that image and
 * kills the child; the parent recovers a copy of it as after a reboot, replays it and checks with {@link
 * IngestLedger} that every sample a returned flush covered is there once, with its value, and with its series
 * defined with the labels it was sent with; none is there twice or changed. The next cycle mounts the image again,
 * so each child first recovers and replays what the previous cut left, and may be cut while doing so.
 *
 * <p>{@link IngestSigkillTest} cannot show a flush that returns before its samples or their definitions are durable:
 * after a kill the page cache keeps every byte. Here a flush must keep its promise per sync mode: in STRICT and
 * BATCH_ONLY its batches are msynced before it returns; in ASYNC it only commits, so the child calls
 * {@code sync()} after a flush before it says so ({@code syncFlush}), and that pair is what is checked: in half the
 * cycles after every flush, in the others after every {@value #SYNC_EVERY_FLUSHES}th, and with a background sync
 * interval longer than a child lives, so that cuts find long unsynced stretches, of which only what a sync covered
 * must survive.
 *
 * <p>The pruning campaigns add the child's pruner (checkpoint, {@link io.shardwal.ingest.Ingest#pruneBefore}), so cuts
 * also land between carrying definitions forward, syncing them and deleting segments, and one in three right after
 * a prune that deleted segments: a deletion that became durable before the carried definitions did would leave
 * samples without their series. (Such a missing sync is hard to catch: the definitions are carried again at every
 * prune, so older copies usually survive in the segments kept, and the next sync or checkpoint hides it.) Samples
 * below a checkpoint the child announced may be gone, as in {@link IngestSigkillTest}.
 *
 * <p>Needs Linux, {@code /dev/fuse} and root (to mount); skipped with the reason otherwise. Everything random derives
 * from the printed seed ({@code -Dshardwal.seed=N} replays the cuts, not the timing).
 */
@Slow
class IngestPowerLossTest
{
    private static final int DEFAULT_CYCLES = Integer.getInteger("shardwal.ingestPowerCycles", 6);
    private static final int SOAK_CYCLES = Integer.getInteger("shardwal.soakIngestPowerCycles", 100);
    /** A new log every so many cuts: the file system holds a log twice in its heap (as seen, as durable). */
    private static final int CYCLES_PER_LOG = 20;
    private static final int THREADS = 2;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** In ASYNC mode, how many flushes of a thread one sync covers in half the cycles. */
    private static final int SYNC_EVERY_FLUSHES = 10;
    /**
     * The ASYNC log's background sync interval (milliseconds): longer than a child lives, so that only the syncs the
     * child calls (and the log's own, such as a checkpoint's) make anything durable.
     */
    private static final int SYNC_MILLIS = 60_000;
    /** How long a cut meant to come right after a prune waits for one that deletes segments. */
    private static final Duration PRUNE_TIMEOUT = Duration.ofSeconds(3);

    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepEveryFlushedSampleAndItsSeriesThroughPowerCuts(final SyncMode mode)
    {
        run(mode, DEFAULT_CYCLES, false);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepTheSeriesOfEverySampleLeftWhenThePowerFailsWhilePruning(final SyncMode mode)
    {
        run(mode, DEFAULT_CYCLES, true);
    }

    @Soak
    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepEveryFlushedSampleThroughASoakOfPowerCuts(final SyncMode mode)
    {
        run(mode, SOAK_CYCLES, false);
    }

    @Soak
    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepEverySeriesThroughASoakOfPowerCutsWhilePruning(final SyncMode mode)
    {
        run(mode, SOAK_CYCLES, true);
    }

    private static void run(final SyncMode mode, final int cycles, final boolean prune)
    {
        final String unavailable = FuseDevice.unavailable();
        Assumptions.assumeTrue(unavailable == null, "cannot cut the power under a FUSE file system: " + unavailable);
        final long seed = Seeds.seed();
        final String context = mode + (prune ? " pruning" : "") + " seed " + seed + " (rerun with -Dshardwal.seed="
            + seed + ")";
        final Path work = Directories.scratch("ingest-power-loss-" + mode + (prune ? "-prune" : ""));
        final Campaign campaign = new Campaign(mode, prune, seed, context, work);
        campaign.run(cycles);
        ChildProcess.assertNoCrashFiles(work.resolve("crashes"));
        System.out.println("ingest power loss " + context + ": " + cycles + " cuts, " + campaign.ledger.summary(prune)
            + ", " + campaign.checked + " samples checked in the recovered logs (" + campaign.last + " in the last)");
        campaign.ledger.assertProvedSomething(cycles, prune, context);
        Directories.delete(work);
    }

    /** The cuts of one run: a new log every {@link #CYCLES_PER_LOG}, each child recovering what the last cut left. */
    private static final class Campaign
    {
        private final SyncMode mode;
        private final boolean prune;
        private final SplittableRandom random;
        private final String context;
        private final Path work;
        private final Path crashes;
        private final IngestLedger ledger = new IngestLedger(THREADS);
        /** Samples found in the recovered logs, over every cut; in the last one. */
        private long checked;
        private long last;

        Campaign(final SyncMode mode, final boolean prune, final long seed, final String context, final Path work)
        {
            this.mode = mode;
            this.prune = prune;
            this.random = new SplittableRandom(seed);
            this.context = context;
            this.work = work;
            this.crashes = work.resolve("crashes");
        }

        void run(final int cycles)
        {
            Path image = null;
            for (int cycle = 0; cycle < cycles; cycle++)
            {
                final Path logWork = work.resolve("log-" + cycle / CYCLES_PER_LOG);
                if (cycle % CYCLES_PER_LOG == 0 && image != null)
                {
                    Directories.delete(image);
                    image = null;
                }
                if (image == null)
                {
                    ledger.newLog();
                }
                final Path next = logWork.resolve("image-" + cycle);
                final String where = context + ", cycle " + cycle + " of " + cycles + ": ";
                try
                {
                    final String cut = cut(cycle, logWork.resolve("mount"), image, next, where);
                    ledger.endCycle(cycle);
                    last = verify(next, logWork.resolve("verify"), where);
                    checked += last;
                    System.out.println("ingest power loss " + where + ledger.flushedSamples() + " samples flushed so "
                        + "far, " + last + " in the log; " + cut);
                }
                finally
                {
                    PowerLossTest.unmountLeftover(logWork.resolve("mount"));
                }
                if (image != null)
                {
                    Directories.delete(image);
                }
                image = next;
            }
        }

        /**
         * Runs the child of {@code cycle} on the image the previous cut left ({@code image}; null: an empty disk) and
         * cuts the power into {@code next}: mostly at a random moment after its first flush returned, one time in
         * five at a random moment of its start (recovery, replay, the log's creation). Returns the cut's summary.
         */
        private String cut(final int cycle, final Path mount, final Path image, final Path next, final String where)
        {
            final ChildArgs args = new ChildArgs().set("dir", mount.resolve("wal")).set("mode", mode)
                .set("cycle", cycle).set("threads", THREADS).set("prune", prune ? 1 : 0)
                .set("syncFlush", mode != SyncMode.ASYNC ? 0 : random.nextBoolean() ? 1 : SYNC_EVERY_FLUSHES)
                .set("syncMillis", SYNC_MILLIS);
            final ChildProcess.Builder child = ChildProcess.of(IngestingChild.class, crashes, args.toArray())
                .quickStart().lineFilter(ledger.startCycle());
            final boolean afterOpen = random.nextInt(5) != 0;
            // A pruning child needs longer: its first checkpoint comes PRUNE_EVERY_MILLIS after it started, and only
            // whole segments below it go. One of its cuts in three comes as soon as a prune deleted segments.
            final boolean afterPrune = prune && afterOpen && random.nextInt(3) == 0;
            final int delay = afterOpen ? (prune ? 100 + random.nextInt(500) : random.nextInt(400))
                : 300 + random.nextInt(900);
            return PowerLossTest.powerCut(mount, crashes, image, next, Long.toString(random.nextLong()), child,
                where, cycle == 0, running ->
                {
                    if (afterOpen)
                    {
                        PowerLossTest.awaitOpened(running, where);
                        ledger.awaitFirstFlush(running, TIMEOUT, where);
                    }
                    if (!afterPrune || !ledger.awaitPrune(running, PRUNE_TIMEOUT))
                    {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(delay));
                    }
                });
        }

        /**
         * Recovers a copy of the image a cut left after a "reboot" and checks it against the ledger; returns how many
         * samples it holds.
         */
        private long verify(final Path image, final Path copy, final String where)
        {
            if (!PowerLossTest.rebootAndCopy(image.resolve("wal"), copy, ledger.flushedInLog() ? "samples were "
                + "flushed" : null, where))
            {
                return 0;
            }
            final long samples;
            try (ShardedWal wal = ShardedWal.open(IngestingChild.options(copy, mode, prune)))
            {
                PowerLossTest.rebooted(wal, where);
                samples = ledger.check(wal, where + "recovered " + wal.recoveryReport());
            }
            Directories.delete(copy);
            return samples;
        }
    }
}
