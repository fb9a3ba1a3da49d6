package io.shardwal.bench.index;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import io.shardwal.index.Labels;
import io.shardwal.index.LockWaits;
import io.shardwal.index.Matcher;
import io.shardwal.index.SeriesIndex;
import io.shardwal.index.ShardedIndex;

/**
 * Writers and readers together on one index: every operation is, with the workload's write probability, an add of a
 * new series (a host coming online), otherwise a dashboard query: half of them one series by metric and host, half a
 * metric in one region (about 100 series of the 100 000 the index starts with). One and two threads, each doing the
 * same mix; the index is rebuilt before every iteration so all iterations start from the same state (100 000
 * series).
 *
 * <p>The sharded index prints its lock-wait percentiles at the end of each trial.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 3, jvmArgsAppend = {"-Xms6g", "-Xmx6g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class IndexMixedBenchmark
{
    static final int BASE_HOSTS = 1000;
    static final int NEW_SERIES_PER_THREAD = 400_000;

    /** Write probability of an operation. */
    public enum Workload
    {
        WRITE_HEAVY(0.9),
        MIXED(0.5),
        READ_HEAVY(0.1);

        final double writes;

        Workload(final double writes)
        {
            this.writes = writes;
        }
    }

    /** {@link IndexFactory} names; {@code --param index=sharded-4,sharded-4-lists} compares with bitmaps off. */
    @Param({"baseline", "sharded-1", "sharded-4", "sharded-16"})
    public String index;

    @Param({"WRITE_HEAVY", "MIXED", "READ_HEAVY"})
    public Workload workload;

    private final AtomicInteger threadNumbers = new AtomicInteger();
    private SeriesIndex built;
    private String[] regions;
    private String[] hostNames;
    private final Histogram readerWaits = new Histogram(2);
    private final Histogram writerWaits = new Histogram(2);

    @Setup(Level.Iteration)
    public void build()
    {
        built = IndexFactory.create(index, BASE_HOSTS * IndexDataset.METRICS * 4);
        for (final Labels l : IndexDataset.all(BASE_HOSTS))
        {
            built.addSeries(l);
        }
        regions = built.labelValues("region").toArray(new String[0]);
        hostNames = new String[BASE_HOSTS];
        for (int h = 0; h < BASE_HOSTS; h++)
        {
            hostNames[h] = IndexDataset.hostName(h);
        }
        if (built instanceof ShardedIndex sharded)
        {
            sharded.lockWaits(); // start the interval now
        }
    }

    @TearDown(Level.Iteration)
    public void close()
    {
        if (built instanceof ShardedIndex sharded)
        {
            final LockWaits waits = sharded.lockWaits();
            readerWaits.add(waits.allReaders());
            writerWaits.add(waits.allWriters());
        }
        built.close();
    }

    @TearDown(Level.Trial)
    public void printLockWaits()
    {
        if (readerWaits.getTotalCount() > 0)
        {
            System.out.printf("%nlock waits (ns) %s %s: readers p50 %d p99 %d p99.9 %d max %d (%d); " +
                    "writers p50 %d p99 %d p99.9 %d max %d (%d)%n", index, workload,
                readerWaits.getValueAtPercentile(50), readerWaits.getValueAtPercentile(99),
                readerWaits.getValueAtPercentile(99.9), readerWaits.getMaxValue(), readerWaits.getTotalCount(),
                writerWaits.getValueAtPercentile(50), writerWaits.getValueAtPercentile(99),
                writerWaits.getValueAtPercentile(99.9), writerWaits.getMaxValue(), writerWaits.getTotalCount());
        }
    }

    /**
     * Per thread: its own new label sets (built once per trial, not timed; every iteration starts from a fresh index,
     * so the same sets are new again) and random choices.
     */
    @State(Scope.Thread)
    public static class Worker
    {
        Labels[] fresh;
        int next;
        SplittableRandom random;

        @Setup(Level.Trial)
        public void prepare(final IndexMixedBenchmark benchmark)
        {
            final int thread = benchmark.threadNumbers.getAndIncrement();
            random = new SplittableRandom(thread);
            fresh = new Labels[NEW_SERIES_PER_THREAD];
            final int hosts = NEW_SERIES_PER_THREAD / IndexDataset.METRICS;
            for (int h = 0; h < hosts; h++)
            {
                final long host = (long)thread * 10_000_000 + h;
                for (int m = 0; m < IndexDataset.METRICS; m++)
                {
                    fresh[h * IndexDataset.METRICS + m] = IndexDataset.extraSeries(host, m);
                }
            }
        }

        @Setup(Level.Iteration)
        public void rewind()
        {
            next = 0;
        }

        @TearDown(Level.Iteration)
        public void checkPool()
        {
            if (next > NEW_SERIES_PER_THREAD)
            {
                System.out.printf("%nnote: %d adds in one iteration, past the %d new label sets: the rest were re-adds%n",
                    next, NEW_SERIES_PER_THREAD);
            }
        }
    }

    @Benchmark
    @Threads(1)
    public long oneThread(final Worker worker)
    {
        return operation(worker);
    }

    @Benchmark
    @Threads(2)
    public long twoThreads(final Worker worker)
    {
        return operation(worker);
    }

    private long operation(final Worker worker)
    {
        final SplittableRandom random = worker.random;
        if (random.nextDouble() < workload.writes)
        {
            // past the prepared label sets the adds become re-adds; the pool is sized not to run out at 1 s
            final Labels labels = worker.fresh[worker.next++ % NEW_SERIES_PER_THREAD];
            return built.addSeries(labels);
        }
        final String metric = IndexDataset.metricName(random.nextInt(IndexDataset.METRICS));
        if (random.nextBoolean())
        {
            final String host = hostNames[random.nextInt(BASE_HOSTS)];
            return built.findSeries(Matcher.equal("__name__", metric), Matcher.equal("hostname", host)).length;
        }
        return built.findSeries(Matcher.equal("__name__", metric),
            Matcher.equal("region", regions[random.nextInt(regions.length)])).length;
    }
}
