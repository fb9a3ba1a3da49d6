package io.shardwal.bench.wal;

import java.util.concurrent.TimeUnit;

import io.shardwal.bench.BenchJvm;
import io.shardwal.bench.BenchWal;
import io.shardwal.bench.WalTrial;
import io.shardwal.bench.PageFaults;
import io.shardwal.bench.WalCounters;
import io.shardwal.bench.Workload;
import io.shardwal.wal.SyncMode;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * {@link SyncMode#STRICT} appends: each returns only after an msync covering its frame, and concurrent appends to
 * a shard share msync calls (leader/follower group commit). 1, 4, 16 and 64 writer threads append 64 B records
 * to a log of {@code shards} shards (1: every writer in one group, the same single file as the
 * {@link PerAppendMsyncBenchmark baseline}; 4, the default shard count: four groups, four msyncs in flight; each
 * writer's 8-byte key routes to shard {@code thread % shards}).
 *
 * <p>Shots of {@link Workload#DURABLE_RECORDS_PER_SHOT} appends per thread; {@link WalCounters} reports the msyncs
 * of each shot, so the table gives msyncs per append (1 = no grouping). Default segment size (64 MiB) and
 * prepareAhead (1); the log lives for the trial.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.NATIVE_ACCESS})
@Warmup(iterations = 3, batchSize = Workload.DURABLE_RECORDS_PER_SHOT)
@Measurement(iterations = 10, batchSize = Workload.DURABLE_RECORDS_PER_SHOT)
@State(Scope.Benchmark)
public class GroupCommitBenchmark
{
    @Param({"64"})
    public int payload;

    @Param({"1", "4"})
    public int shards;

    /** The trial's STRICT log. */
    @State(Scope.Benchmark)
    public static class Log extends WalTrial
    {
        @Setup(Level.Trial)
        public void open(final GroupCommitBenchmark benchmark)
        {
            start(BenchWal.open("wal-strict-", options -> options.shardCount(benchmark.shards)
                .syncMode(SyncMode.STRICT)));
        }
    }

    /** A writer thread's key and the payload. */
    @State(Scope.Thread)
    public static class Writer
    {
        private byte[] key;
        private byte[] value;

        @Setup(Level.Trial)
        public void open(final GroupCommitBenchmark benchmark, final Log log, final ThreadParams thread)
        {
            key = log.log().keyFor(thread.getThreadIndex() % benchmark.shards);
            value = Workload.payload(benchmark.payload);
        }
    }

    @Benchmark
    @Threads(1)
    public long writers1(final PageFaults faults, final Log log, final WalCounters counters, final Writer writer)
    {
        return log.wal().append(writer.key, writer.value);
    }

    @Benchmark
    @Threads(4)
    public long writers4(final PageFaults faults, final Log log, final WalCounters counters, final Writer writer)
    {
        return log.wal().append(writer.key, writer.value);
    }

    @Benchmark
    @Threads(16)
    public long writers16(final PageFaults faults, final Log log, final WalCounters counters, final Writer writer)
    {
        return log.wal().append(writer.key, writer.value);
    }

    @Benchmark
    @Threads(64)
    public long writers64(final PageFaults faults, final Log log, final WalCounters counters, final Writer writer)
    {
        return log.wal().append(writer.key, writer.value);
    }
}
