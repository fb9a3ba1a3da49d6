package io.shardwal.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import io.shardwal.metrics.ShardStats;
import io.shardwal.metrics.WalStats;
import io.shardwal.wal.PruneGuard;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.WalOptions;

/**
 * A {@link ShardedWal} that a benchmark appends to across many shots: opened in a fresh directory below
 * {@link BenchFiles#dataRoot()}, checked after every shot, kept within a disk budget, and deleted at the end.
 *
 * <ul>
 *   <li><b>Shot deltas.</b> {@link #beginShot()} and {@link #endShot(long)} take {@link ShardedWal#stats()} before
 *       and after a shot (untimed) and publish the difference — records committed, rolls, inline prepares,
 *       msyncs — for {@link WalCounters}. {@code endShot} fails if the shot did not commit exactly the records
 *       the benchmark appended (no loss, no dead code).</li>
 *   <li><b>Disk budget.</b> The log keeps every segment until it is pruned; when its segment files exceed
 *       {@link #DISK_BUDGET_BYTES} after a shot, {@code endShot} creates a checkpoint and prunes below it
 *       (untimed). So a benchmark writes through fresh, prepared segments shot after shot — the log's steady
 *       state, syncer backlog included — and never holds more than the budget plus one shot on disk.</li>
 * </ul>
 *
 * <p><b>Threads.</b> One log per trial (hence per fork); {@code beginShot}/{@code endShot} run between shots,
 * while no writer appends.
 */
public final class BenchWal implements AutoCloseable
{
    /** Segment bytes a log may hold before it is pruned between shots. */
    public static final long DISK_BUDGET_BYTES = 1L << 30;

    /** The deltas of the last shot of this fork's log, for {@link WalCounters}. */
    private static volatile Shot lastShot = Shot.NONE;

    /** What {@link ShardedWal#stats()} counted during one shot. */
    public record Shot(long records, long rolls, long inlinePrepares, long msyncs, long msyncMicros,
        long prunedSegments)
    {
        static final Shot NONE = new Shot(0, 0, 0, 0, 0, 0);
    }

    private final Path directory;
    private final ShardedWal wal;
    private WalStats atShotStart;
    private long checkpoints;

    private BenchWal(final Path directory, final ShardedWal wal)
    {
        this.directory = directory;
        this.wal = wal;
    }

    /**
     * Opens a new log in a new directory named {@code prefix}..., with the options {@code settings} makes of a
     * builder for that directory.
     */
    public static BenchWal open(final String prefix, final UnaryOperator<WalOptions.Builder> settings)
    {
        final Path directory = BenchFiles.newDirectory(prefix);
        try
        {
            final WalOptions options = settings.apply(WalOptions.builder(directory.resolve("wal"))).build();
            return new BenchWal(directory, ShardedWal.open(options));
        }
        catch (final RuntimeException | Error e)
        {
            BenchFiles.deleteRecursively(directory);
            throw e;
        }
    }

    public ShardedWal wal()
    {
        return wal;
    }

    /** The log's directory (below this object's own). */
    public Path logDirectory()
    {
        return wal.directory();
    }

    /** The smallest number-key ({@link Workload#longKey}) that the log routes to {@code shard}. */
    public byte[] keyFor(final int shard)
    {
        for (long i = 0; i < 1_000_000; i++)
        {
            final byte[] key = Workload.longKey(i);
            if (wal.shardFor(key) == shard)
            {
                return key;
            }
        }
        throw new IllegalStateException("no key routes to shard " + shard + " of " + wal);
    }

    /** The last shot's deltas of this fork's log. */
    public static Shot lastShot()
    {
        return lastShot;
    }

    /** Before a shot (untimed): remembers the log's counters. */
    public void beginShot()
    {
        atShotStart = wal.stats();
    }

    /**
     * After a shot (untimed): publishes the shot's deltas, fails unless exactly {@code expectedRecords} records were
     * committed (negative: not checked), and prunes if the log is over its disk budget.
     */
    public void endShot(final long expectedRecords)
    {
        final WalStats now = wal.stats();
        final long records = now.records() - atShotStart.records();
        if (expectedRecords >= 0 && records != expectedRecords)
        {
            throw new IllegalStateException("the shot appended " + expectedRecords + " records but the log committed "
                + records + ": " + now);
        }
        final long pruned = pruneIfOverBudget(now);
        lastShot = new Shot(records, now.rolls() - atShotStart.rolls(),
            inlinePrepares(now) - inlinePrepares(atShotStart), now.msyncs() - atShotStart.msyncs(),
            Math.round((msyncNanos(now) - msyncNanos(atShotStart)) / 1e3), pruned);
    }

    private static long inlinePrepares(final WalStats stats)
    {
        return stats.shards().stream().mapToLong(ShardStats::inlinePrepares).sum();
    }

    /**
     * Time spent in msync since the log was opened: count × mean of its msync histogram (2 significant digits, so
     * about ±1 %; null with recording OFF, which times no msync).
     */
    private static double msyncNanos(final WalStats stats)
    {
        return stats.msyncLatency().count() * stats.msyncLatency().mean();
    }

    /** Segment files of the log now (prepared ones included) times their size. */
    public long segmentBytes()
    {
        return segmentBytes(wal.stats());
    }

    private long segmentBytes(final WalStats stats)
    {
        final long perSegment = wal.options().segmentSize() + 4096;
        return stats.shards().stream().mapToLong(s -> s.segmentCount() * perSegment).sum();
    }

    private long pruneIfOverBudget(final WalStats stats)
    {
        if (segmentBytes(stats) <= DISK_BUDGET_BYTES)
        {
            return 0;
        }
        final byte[] id = ("bench-prune-" + ++checkpoints).getBytes(StandardCharsets.UTF_8);
        wal.createCheckpoint(id);
        // A benchmark's log is thrown away after the trial: the guard an ingest puts on it protects nothing here.
        return wal.pruneBefore(id, PruneGuard.read(wal.directory()).map(PruneGuard::owner).orElse(null)).segments();
    }

    /** Closes the log (a clean close: it msyncs what is left) and deletes its files. */
    @Override
    public void close()
    {
        try
        {
            wal.close();
        }
        finally
        {
            BenchFiles.deleteRecursively(directory);
        }
    }
}
