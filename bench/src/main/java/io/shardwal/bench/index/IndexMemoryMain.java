package io.shardwal.bench.index;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Locale;

import io.shardwal.index.IndexOptions;
import io.shardwal.index.IndexStats;
import io.shardwal.index.SeriesIndex;
import io.shardwal.index.ShardedIndex;

/**
 * Measures the memory per series of the {@link IndexDataset} (default 1 000 000 series of 10 labels) in
 * {@link ShardedIndex} with 1, 4 and 16 shards and in the {@link SingleLockHeapIndex} baseline.
 * <ul>
 *   <li>Heap, measured: used heap after full GCs with the index built, minus before (label sets are generated on
 *       the fly and dropped, so only what the index retains counts).</li>
 *   <li>Heap, counted: {@link IndexStats#heapBytes()}, the exact array sizes of the index's maps and tables.</li>
 *   <li>Off-heap: {@link IndexStats#offHeapReservedBytes()}, every slab allocated (what the process pays), and
 *       {@link IndexStats#offHeapUsedBytes()}, the part handed out.</li>
 * </ul>
 * Usage: {@code java -cp benchmarks.jar io.shardwal.bench.index.IndexMemoryMain [hosts]} with a heap large enough
 * for the baseline (e.g. {@code -Xmx6g}).
 */
public final class IndexMemoryMain
{
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private IndexMemoryMain()
    {
    }

    public static void main(final String[] args)
    {
        final int hosts = args.length > 0 ? Integer.parseInt(args[0]) : IndexDataset.DEFAULT_HOSTS;
        final int series = hosts * IndexDataset.METRICS;
        System.out.printf(Locale.ROOT, "%d series of %d labels (%d hosts x %d metrics)%n%n", series,
            IndexDataset.LABELS_PER_SERIES, hosts, IndexDataset.METRICS);
        System.out.println("| index | heap B/series (measured) | heap B/series (counted) | " +
            "off-heap B/series (reserved) | off-heap B/series (used) | build s |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        measure("single-lock HashMap baseline", SingleLockHeapIndex::new, series);
        for (final int shards : new int[] {1, 4, 16})
        {
            measure("ShardedIndex, " + shards + " shard" + (shards > 1 ? "s" : ""),
                () -> new ShardedIndex(IndexOptions.builder().shardCount(shards).build()), series);
        }
    }

    private static void measure(final String name, final java.util.function.Supplier<SeriesIndex> factory,
        final int series)
    {
        final long before = usedHeapAfterGc();
        final SeriesIndex index = factory.get();
        final long start = System.nanoTime();
        for (int host = 0; host < series / IndexDataset.METRICS; host++)
        {
            final String hostName = IndexDataset.hostName(host); // shared by the host's series, as a parser would
            for (int metric = 0; metric < IndexDataset.METRICS; metric++)
            {
                index.addSeries(IndexDataset.series(hostName, host, metric));
            }
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        final long after = usedHeapAfterGc();
        final double measured = (double)(after - before) / series;
        if (index instanceof ShardedIndex sharded)
        {
            final IndexStats stats = sharded.stats();
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f | %.2f |%n", name, measured,
                (double)stats.heapBytes() / series, (double)stats.offHeapReservedBytes() / series,
                (double)stats.offHeapUsedBytes() / series, seconds);
        }
        else
        {
            System.out.printf(Locale.ROOT, "| %s | %.1f | - | 0 | 0 | %.2f |%n", name, measured, seconds);
        }
        if (index.seriesCount() != series)
        {
            throw new IllegalStateException(name + " holds " + index.seriesCount() + " series, not " + series);
        }
        index.close();
    }

    private static long usedHeapAfterGc()
    {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++)
        {
            MEMORY.gc();
            used = Math.min(used, MEMORY.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
