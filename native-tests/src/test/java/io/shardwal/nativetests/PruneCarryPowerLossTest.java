package io.shardwal.nativetests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.shardwal.index.Labels;
import io.shardwal.index.ShardedIndex;
import io.shardwal.ingest.IngestReplay;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;

/**
 * The order inside {@link io.shardwal.ingest.Ingest#pruneBefore}, shown by one power cut: the definitions it carries
 * to the head of the log must be durable before the segments holding the old ones are deleted. {@link
 * IngestPowerLossTest} cuts at random moments while senders sync often, so in ASYNC mode a prune that forgot its own
 * sync is mostly rescued by the next sender's. Here {@link PruneCarryChild} makes every sample durable, prunes, and
 * then syncs nothing more; the power is cut as soon as it says the prune is done, keeping only what was synced
 * ({@code synced-only}: no chance that unsynced bytes survive and hide the fault). Only the prune's own sync can
 * then have kept the carried definitions, and without them every sample above the checkpoint would be an orphan.
 *
 * <p>Needs Linux, {@code /dev/fuse} and root (to mount); skipped with the reason otherwise.
 */
@Slow
class PruneCarryPowerLossTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Problems reported at most: without its definitions, every sample of the log would be one. */
    private static final int MAX_PROBLEMS = 10;

    @Test
    void shouldKeepEverySeriesDefinedWhenThePowerFailsRightAfterAPrune()
    {
        final String unavailable = FuseDevice.unavailable();
        Assumptions.assumeTrue(unavailable == null, "cannot cut the power under a FUSE file system: " + unavailable);
        final Path work = Directories.scratch("prune-carry-power-loss");
        final Path mount = work.resolve("mount");
        final Path crashes = work.resolve("crashes");
        final Path image = work.resolve("image");
        final AtomicReference<String> pruned = new AtomicReference<>();
        final String cut;
        try
        {
            final ChildProcess.Builder child = ChildProcess.of(PruneCarryChild.class, crashes,
                new ChildArgs().set("dir", mount.resolve("wal")).toArray()).quickStart();
            cut = PowerLossTest.powerCut(mount, crashes, null, image, "synced-only", child, "", true, running ->
            {
                PowerLossTest.awaitOpened(running, "");
                running.awaitLine(line -> line.startsWith("SYNCED ") || line.startsWith("X "), TIMEOUT);
                pruned.set(running.awaitLine(line -> line.startsWith("PRUNED ") || line.startsWith("X "), TIMEOUT));
            });
        }
        finally
        {
            PowerLossTest.unmountLeftover(mount);
        }
        ChildProcess.assertNoCrashFiles(crashes);
        final String[] words = pruned.get().split(" ");
        assertEquals("PRUNED", words[0], "the child failed: " + pruned.get());
        final long segments = Long.parseLong(words[1]);
        final long carried = Long.parseLong(words[2]);
        assertTrue(segments > 0, "the prune deleted no segment, so it proves nothing: " + pruned.get());
        assertEquals(PruneCarryChild.DEFINED, carried, "definitions carried: " + pruned.get());
        final String where = "after a power cut right after a prune that deleted " + segments + " segments and "
            + "carried " + carried + " definitions (" + cut + "): ";
        final Path copy = work.resolve("verify");
        assertTrue(PowerLossTest.rebootAndCopy(image.resolve("wal"), copy, "every sample was synced", where));
        try (ShardedWal wal = ShardedWal.open(IngestingChild.options(copy, SyncMode.ASYNC, true)))
        {
            PowerLossTest.rebooted(wal, where);
            check(wal, where + "recovered " + wal.recoveryReport() + ": ");
        }
        Directories.delete(work);
    }

    /**
     * Replays the recovered log: no sample may be left without its series or with other labels, and every sample
     * above the checkpoint (one of each series) must be there, so every series is still defined.
     */
    private static void check(final ShardedWal wal, final String where)
    {
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());
        final BitSet above = new BitSet();
        try (ShardedIndex index = ShardedIndex.withShards(2))
        {
            final IngestReplay.Result replayed = IngestReplay.replay(wal, index, (shard, position, id, time, value) ->
            {
                final int seq = (int)(time - IngestingChild.time(0, 0));
                final Labels labels = index.contains(id) ? index.getLabels(id) : null;
                if (labels == null || !labels.equals(IngestingChild.series(0, seq))
                    || value != IngestingChild.value(0, seq))
                {
                    if (problems.size() >= MAX_PROBLEMS)
                    {
                        return;
                    }
                    problems.add("sample " + seq + " at shard " + shard + " position " + position + " has labels "
                        + labels + " and value " + value);
                }
                else if (seq >= PruneCarryChild.BEFORE_CHECKPOINT)
                {
                    synchronized (above)
                    {
                        above.set(seq);
                    }
                }
            }, 2);
            final String summary = where + replayed + ", " + index.seriesCount() + " series; ";
            assertEquals(0, replayed.orphanSamples(), summary + "samples left without their series");
            assertEquals(List.of(), problems, summary + "samples with other labels or values");
            assertEquals(PruneCarryChild.DEFINED, index.seriesCount(), summary + "series defined");
            assertEquals(PruneCarryChild.TOTAL - PruneCarryChild.BEFORE_CHECKPOINT, above.cardinality(), summary
                + "samples above the checkpoint");
            System.out.println("prune carry power loss: " + summary + "all kept");
        }
    }
}
