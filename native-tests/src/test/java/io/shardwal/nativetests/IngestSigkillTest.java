package io.shardwal.nativetests;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;

/**
 * A child JVM ({@link IngestingChild}) sends samples from two threads through the ingest front end, flushing now
 * and then, and is SIGKILLed at a random moment; each run starts by rebuilding its index from the log, as a
 * restarted host would. After every kill the parent recovers the log, replays it into a fresh index and checks that
 * every sample a returned {@code flush()} covered is there once, with its value, and that its series is defined
 * with the labels it was sent with; samples after the last flush may be missing, but none is there twice and none
 * is changed ({@link IngestLedger} keeps what the children promised and checks it, for {@link IngestPowerLossTest}
 * too).
 *
 * <p>The pruning campaigns add a child thread that checkpoints and prunes through {@link
 * io.shardwal.ingest.Ingest#pruneBefore} every few tens of milliseconds, so kills also land in the middle of carrying
 * definitions forward and deleting segments. A sample below a checkpoint the child announced may be gone; every
 * flushed sample above it must be there, and every sample left must still have its series defined.
 */
@Slow
class IngestSigkillTest
{
    private static final int DEFAULT_CYCLES = Integer.getInteger("shardwal.ingestCycles", 6);
    private static final int SOAK_CYCLES = Integer.getInteger("shardwal.soakCycles", 100);
    private static final int CYCLES_PER_LOG = 20;
    private static final int THREADS = 2;

    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepEveryFlushedSampleAndItsSeriesAfterSigkill(final SyncMode mode) throws InterruptedException
    {
        run(mode, DEFAULT_CYCLES, false);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepTheSeriesOfEverySampleLeftWhenKilledWhilePruning(final SyncMode mode) throws InterruptedException
    {
        run(mode, DEFAULT_CYCLES, true);
    }

    @Soak
    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepEveryFlushedSampleThroughASoakOfSigkills(final SyncMode mode) throws InterruptedException
    {
        run(mode, SOAK_CYCLES, false);
    }

    @Soak
    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepEverySeriesThroughASoakOfSigkillsWhilePruning(final SyncMode mode) throws InterruptedException
    {
        run(mode, SOAK_CYCLES, true);
    }

    private static void run(final SyncMode mode, final int cycles, final boolean prune) throws InterruptedException
    {
        final long seed = Seeds.seed();
        final Random random = new Random(seed);
        final String context = mode + (prune ? " pruning" : "") + " seed " + seed + " (rerun with -Dshardwal.seed="
            + seed + ")";
        final Path work = Directories.scratch("ingest-sigkill-" + mode + (prune ? "-prune" : ""));
        final IngestLedger ledger = new IngestLedger(THREADS);
        for (int cycle = 0; cycle < cycles; cycle++)
        {
            final Path dir = work.resolve("log-" + cycle / CYCLES_PER_LOG);
            if (cycle % CYCLES_PER_LOG == 0)
            {
                ledger.newLog();
            }
            final ChildArgs args = new ChildArgs().set("dir", dir).set("mode", mode).set("cycle", cycle)
                .set("threads", THREADS).set("prune", prune ? 1 : 0);
            try (ChildProcess child = ChildProcess.of(IngestingChild.class, work.resolve("crashes"), args.toArray())
                .lineFilter(ledger.startCycle()).start())
            {
                child.awaitLine(line -> line.equals("READY"), Duration.ofSeconds(60));
                if (prune && cycle % 2 == 1)
                {
                    // Every other pruning child is killed only after a prune deleted segments: on a loaded machine
                    // a child may otherwise never live long enough to prune, and the run would prove nothing.
                    ledger.awaitPrune(child, Duration.ofSeconds(30));
                }
                // A pruning child lives longer: its first checkpoint comes after PRUNE_EVERY_MILLIS.
                Thread.sleep(prune ? 60 + random.nextInt(440) : 20 + random.nextInt(280));
                child.killAndExpectSigkill();
                child.assertNoCrash();
            }
            ledger.endCycle(cycle);
            try (ShardedWal wal = ShardedWal.open(IngestingChild.options(dir, mode, prune)))
            {
                ledger.check(wal, context + ", after cycle " + cycle);
            }
        }
        System.out.println("ingest " + context + ": " + cycles + " kills, " + ledger.summary(prune));
        ledger.assertProvedSomething(cycles, prune, context);
        Directories.delete(work);
    }
}
