package io.shardwal.bench.index;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.shardwal.index.Labels;
import io.shardwal.index.SeriesIndex;

/**
 * Add throughput on one thread, the TSBS-like data set of {@link IndexDataset} (1 000 000 series of 10 labels by
 * default) added host by host:
 * <ul>
 *   <li>{@code addNew}: every series into a fresh index (one invocation = all of them; the score is per add);</li>
 *   <li>{@code addExisting}: every series again into a full index (the scrape path: known labels, read lock).</li>
 * </ul>
 * Label sets are built before the measurement, so only the index's work is timed, for every variant alike.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 3, jvmArgsAppend = {"-Xms8g", "-Xmx8g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2)
@Measurement(iterations = 5)
public class IndexAddBenchmark
{
    private static final int SERIES = IndexDataset.DEFAULT_HOSTS * IndexDataset.METRICS;

    /** {@link IndexFactory} names; {@code --param index=sharded-4,sharded-4-lists} compares with bitmaps off. */
    @Param({"baseline", "sharded-1", "sharded-4", "sharded-16"})
    public String index;

    private Labels[] labels;
    private SeriesIndex fresh;
    private SeriesIndex full;

    @Setup(Level.Trial)
    public void buildLabels()
    {
        labels = IndexDataset.all(IndexDataset.DEFAULT_HOSTS);
        full = IndexFactory.create(index, SERIES);
        for (final Labels l : labels)
        {
            full.addSeries(l);
        }
    }

    @Setup(Level.Invocation)
    public void freshIndex()
    {
        fresh = IndexFactory.create(index, SERIES);
    }

    @TearDown(Level.Invocation)
    public void closeFreshIndex()
    {
        fresh.close();
        fresh = null;
    }

    @TearDown(Level.Trial)
    public void closeFullIndex()
    {
        full.close();
    }

    @Benchmark
    @OperationsPerInvocation(SERIES)
    public long addNew()
    {
        long sum = 0;
        for (final Labels l : labels)
        {
            sum += fresh.addSeries(l);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(SERIES)
    public long addExisting()
    {
        long sum = 0;
        for (final Labels l : labels)
        {
            sum += full.addSeries(l);
        }
        return sum;
    }
}
