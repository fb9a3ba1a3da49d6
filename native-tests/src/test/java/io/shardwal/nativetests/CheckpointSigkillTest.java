package io.shardwal.nativetests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.shardwal.wal.SyncMode;

/**
 * A child JVM appends with three writer threads to a log of four shards with 64 KiB segments while a fourth thread
 * creates checkpoints in a loop, now and then compacting the checkpoint log or pruning below a checkpoint; the
 * parent SIGKILLs it, mostly just as a creation, compaction or pruning begins, and after every recovery checks
 * ({@link CheckpointLedger}, {@link LogVerifier}) that:
 * <ul>
 *   <li>every acknowledged checkpoint is there with exactly the positions it was acknowledged with, ids unique, in
 *       creation order, positions never going back; a checkpoint whose creation the kill interrupted is there whole
 *       as the newest, or not at all; a compaction the kill interrupted left the old list or the new one;</li>
 *   <li>{@code checkpoints.log} needed no repair but at its tail (and only after an interrupted creation), a
 *       leftover {@code checkpoints.log.tmp} is deleted and reported, and HEAD names the newest entry, a stale
 *       HEAD being reported;</li>
 *   <li>recovery scanned each shard from the latest checkpoint's position;</li>
 *   <li>every record acknowledged before a checkpoint's creation began lies at or below it, and every acknowledged
 *       record is there, except below what a pruning was asked to prune (segments are never gone above it).</li>
 * </ul>
 */
@Slow
class CheckpointSigkillTest
{
    private static final int DEFAULT_CYCLES = Integer.getInteger("shardwal.checkpointCycles", 50);
    private static final int SOAK_CYCLES = Integer.getInteger("shardwal.soakCycles", 500);
    private static final int CYCLES_PER_LOG = 50;
    private static final int MAX_RUN_MILLIS = 300;
    private static final long CHECKPOINT_PAUSE_MICROS = 3000;

    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepEveryAcknowledgedCheckpointAndRecordAfterSigkill(final SyncMode mode)
    {
        run(mode, DEFAULT_CYCLES);
    }

    @Soak
    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepEveryAcknowledgedCheckpointAndRecordThroughASoakOfSigkills(final SyncMode mode)
    {
        run(mode, SOAK_CYCLES);
    }

    private static void run(final SyncMode mode, final int cycles)
    {
        final long seed = Seeds.seed();
        final Path work = Directories.scratch("checkpoint-sigkill-" + mode);
        final SigkillCampaign.Settings settings = new SigkillCampaign.Settings(mode, cycles, CYCLES_PER_LOG, 4,
            64 * 1024, 3, 2000, MAX_RUN_MILLIS, CHECKPOINT_PAUSE_MICROS, seed);
        final SigkillCampaign.Outcome outcome = new SigkillCampaign(work, settings).run();
        System.out.println(mode + " seed " + seed + ": " + outcome);
        final String context = mode + " seed " + seed + " (rerun with -Dshardwal.seed=" + seed + "): ";
        final CheckpointLedger.Tally checkpoints = outcome.checkpoints();
        assertTrue(checkpoints.acknowledged >= cycles / 4 && checkpoints.compactions > 0 && checkpoints.prunes > 0,
            context + "too few checkpoints, compactions or prunes were acknowledged to prove anything: " + outcome);
        assertTrue(outcome.acknowledged() > cycles * 50L, context + "too few records were acknowledged: " + outcome);
        Directories.delete(work);
    }
}
