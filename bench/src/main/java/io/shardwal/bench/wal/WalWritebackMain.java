package io.shardwal.bench.wal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

import io.shardwal.bench.BenchWal;
import io.shardwal.bench.ThreadFaults;
import io.shardwal.bench.Workload;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;

/**
 * What the write-back of an ASYNC log costs its writer, split into on-CPU and off-CPU time — which JMH cannot
 * show. One writer appends 64 B records (8-byte key) to a one-shard ASYNC log of 8 MiB segments (as in
 * {@link AsyncAppendBenchmark}; another size in MiB as the second argument), in timed rounds of {@value #RECORDS_PER_ROUND} appends. Per round it reads the wall
 * clock, the writer thread's CPU time and its page faults. Cases:
 * <ul>
 *   <li>{@code syncer 10 ms / 100 ms / 1 s}: the background syncer msyncs at that interval, during the rounds;</li>
 *   <li>{@code between rounds}: no syncer during the rounds ({@code syncInterval} of an hour); {@code sync()} after
 *       each round, untimed — the same data reaches the disk, but never while the writer is timed.</li>
 * </ul>
 * Every 20 rounds a checkpoint and a prune (untimed) keep the log's files bounded. The first column is the
 * sustained rate (all measured rounds, i.e. including the rounds an msync fell into); the others are medians of
 * rounds, so with a long interval they show the rounds without one.
 *
 * <p>Usage: {@code java --enable-native-access=ALL-UNNAMED -Dshardwal.bench.data=DIR -cp benchmarks.jar
 * io.shardwal.bench.wal.WalWritebackMain [measured rounds [segment MiB [prepare ahead]]]}; the data directory decides the
 * file system measured
 * (default: the JVM's temporary directory).
 */
public final class WalWritebackMain
{
    private static final int RECORDS_PER_ROUND = 200_000;
    private static final int WARMUP_ROUNDS = 30;
    private static final int PRUNE_EVERY = 20;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private WalWritebackMain()
    {
    }

    public static void main(final String[] args)
    {
        final int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        final long segmentSize = (args.length > 1 ? Long.parseLong(args[1]) : 8) << 20;
        final int prepareAhead = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        System.out.printf(Locale.ROOT, "%d measured rounds of %d appends (64 B value, 8 B key), %d MiB segments, " +
            "%d prepared ahead%n%n", rounds, RECORDS_PER_ROUND, segmentSize >> 20, prepareAhead);
        System.out.println("| case | wall ns/append, all rounds | median round: wall ns/append | writer CPU " +
            "ns/append | writer off CPU | faults/round |");
        System.out.println("|---|--:|--:|--:|--:|--:|");
        measure("syncer 10 ms", Duration.ofMillis(10), false, rounds, segmentSize, prepareAhead);
        measure("syncer 100 ms", Duration.ofMillis(100), false, rounds, segmentSize, prepareAhead);
        measure("syncer 1 s", Duration.ofSeconds(1), false, rounds, segmentSize, prepareAhead);
        measure("between rounds", Duration.ofHours(1), true, rounds, segmentSize, prepareAhead);
    }

    private static void measure(final String name, final Duration interval, final boolean syncBetween,
        final int rounds, final long segmentSize, final int prepareAhead)
    {
        final double[] wall = new double[rounds];
        final double[] cpu = new double[rounds];
        final double[] faults = new double[rounds];
        try (BenchWal log = BenchWal.open("wal-writeback-", options -> options.shardCount(1)
            .segmentSize(segmentSize).syncMode(SyncMode.ASYNC).prepareAhead(prepareAhead)
            .syncInterval(interval)))
        {
            final ShardedWal wal = log.wal();
            final byte[] key = log.keyFor(0);
            final byte[] value = Workload.payload(64);
            for (int round = 0; round < WARMUP_ROUNDS + rounds; round++)
            {
                final long faultsBefore = ThreadFaults.ofThisThread();
                final long cpuBefore = THREADS.getCurrentThreadCpuTime();
                final long start = System.nanoTime();
                for (int i = 0; i < RECORDS_PER_ROUND; i++)
                {
                    wal.append(key, value);
                }
                final long elapsed = System.nanoTime() - start;
                final long cpuTime = THREADS.getCurrentThreadCpuTime() - cpuBefore;
                final long faulted = ThreadFaults.ofThisThread() - faultsBefore;
                if (round >= WARMUP_ROUNDS)
                {
                    wall[round - WARMUP_ROUNDS] = (double)elapsed / RECORDS_PER_ROUND;
                    cpu[round - WARMUP_ROUNDS] = (double)cpuTime / RECORDS_PER_ROUND;
                    faults[round - WARMUP_ROUNDS] = faulted;
                }
                if (syncBetween)
                {
                    wal.sync();
                }
                if (round % PRUNE_EVERY == PRUNE_EVERY - 1)
                {
                    final byte[] id = ("writeback-" + round).getBytes(StandardCharsets.UTF_8);
                    wal.createCheckpoint(id);
                    wal.pruneBefore(id);
                }
            }
        }
        final double wallMedian = median(wall);
        final double cpuMedian = median(cpu);
        System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.0f %% | %.0f |%n", name,
            Arrays.stream(wall).average().orElseThrow(), wallMedian, cpuMedian,
            100 * Math.max(0, 1 - cpuMedian / wallMedian), median(faults));
    }

    private static double median(final double[] values)
    {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
