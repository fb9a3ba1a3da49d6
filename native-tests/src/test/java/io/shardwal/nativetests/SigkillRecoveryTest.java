package io.shardwal.nativetests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.shardwal.wal.SyncMode;

/**
 * A child JVM appends with three writer threads (singles, batches, zero-copy claims, aborted claims) to a log of
 * four shards with 64 KiB segments and streams every acknowledgement; the parent SIGKILLs it at a random moment,
 * recovers what it left and checks that every acknowledged record is there, intact, in order, and that nothing
 * corrupt, torn or aborted is delivered (see {@link SigkillCampaign} and {@link LogVerifier}). A kill -9 loses
 * nothing acknowledged in any sync mode: committed frames live in the shared page cache.
 */
@Slow
class SigkillRecoveryTest
{
    private static final int DEFAULT_CYCLES = Integer.getInteger("shardwal.cycles", 50);
    private static final int SOAK_CYCLES = Integer.getInteger("shardwal.soakCycles", 500);
    private static final int CYCLES_PER_LOG = 50;

    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepEveryAcknowledgedRecordAfterSigkill(final SyncMode mode)
    {
        run(mode, DEFAULT_CYCLES);
    }

    @Soak
    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepEveryAcknowledgedRecordThroughASoakOfSigkills(final SyncMode mode)
    {
        run(mode, SOAK_CYCLES);
    }

    private static void run(final SyncMode mode, final int cycles)
    {
        final long seed = Seeds.seed();
        final Path work = Directories.scratch("sigkill-" + mode);
        final SigkillCampaign.Settings settings = new SigkillCampaign.Settings(mode, cycles, CYCLES_PER_LOG, 4,
            64 * 1024, 3, 2000, 400, 0, seed);
        final SigkillCampaign.Outcome outcome = new SigkillCampaign(work, settings).run();
        System.out.println(mode + " seed " + seed + ": " + outcome);
        assertTrue(outcome.acknowledged() > cycles * 50L, mode + " seed " + seed + ": too few records were "
            + "acknowledged to prove anything: " + outcome);
        Directories.delete(work);
    }
}
