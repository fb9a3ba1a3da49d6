package io.shardwal.bench.index;

import java.util.concurrent.TimeUnit;

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
import org.openjdk.jmh.annotations.Warmup;

import io.shardwal.index.Labels;
import io.shardwal.index.SeriesIndex;

/**
 * Find latency on the full TSBS-like data set (1 000 000 series) for {@code =}, {@code !=} and {@code =~} at about
 * 1 %, 10 % and 100 % selectivity ({@link IndexDataset.Query}), one thread, sampled (JMH's HdrHistogram-like
 * percentiles). The result is the sorted array of ids, as users get it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms6g", "-Xmx6g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class IndexFindBenchmark
{
    @Param({"baseline", "sharded-1", "sharded-16"})
    public String index;

    @Param({"EQ_1", "EQ_10", "EQ_100", "NEQ_1", "NEQ_10", "NEQ_100", "RE_1", "RE_10", "RE_100", "RE_GENERAL_10"})
    public String query;

    private SeriesIndex built;
    private IndexDataset.Query matchers;

    @Setup(Level.Trial)
    public void build()
    {
        final Labels[] labels = IndexDataset.all(IndexDataset.DEFAULT_HOSTS);
        built = IndexFactory.create(index, labels.length);
        for (final Labels l : labels)
        {
            built.addSeries(l);
        }
        matchers = IndexDataset.Query.valueOf(query);
    }

    @TearDown(Level.Trial)
    public void close()
    {
        built.close();
    }

    @Benchmark
    public long[] find()
    {
        return built.findSeries(matchers.matchers);
    }
}
