package io.shardwal.cli;

import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.metrics.LatencyRecording;
import io.shardwal.metrics.LatencySummary;
import io.shardwal.metrics.ShardStats;
import io.shardwal.metrics.WalStats;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code shardwal demo}: writes a realistic workload with several threads, prints what it cost per shard, creates a
 * checkpoint, then replays the whole log and checks every byte of every record.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    header = "Write, checkpoint, replay and verify a realistic workload; print latency and rates.",
    description = {"Writes a realistic workload into a new log (keys sensor-00000..99999, values of random size "
        + "with content that the replay can check), with a progress bar; prints per shard the records, megabytes "
        + "and append and msync latency percentiles, and the totals; creates a checkpoint; then replays every "
        + "shard in parallel, verifying every record byte for byte, and prints the replay rate.",
        "The log stays in --dir for inspect, verify, dump, stats and tail. Running demo again replaces a log "
            + "that demo wrote (it leaves a DEMO file); any other non-empty directory is refused."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:written, replayed and every record verified",
        "1:the replay found a record missing, damaged or delivered twice", "2:bad arguments",
        "3:could not run (directory not empty and not a demo's, too little disk space, I/O error)"})
final class DemoCommand implements Callable<Integer>
{
    static final String MARKER = "DEMO";
    private static final String CHECKPOINT_ID = "demo";

    @Spec
    CommandSpec spec;

    @ParentCommand
    ShardwalCli cli;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "shardwal-demo",
        description = "Where to write the log (default: ./${DEFAULT-VALUE}).")
    Path directory;

    @Option(names = "--shards", paramLabel = "N", defaultValue = "16",
        description = "Shards (default: ${DEFAULT-VALUE}).")
    int shards;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "4",
        description = "Writing threads, and replay threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--records", paramLabel = "N", defaultValue = "10M", converter = Converters.Count.class,
        description = "Records to write, e.g. 10M, 500k, 2000000 (default: ${DEFAULT-VALUE}).")
    long records;

    @Option(names = "--size", paramLabel = "MIN-MAX", defaultValue = "64-512", converter = Converters.SizeRange.class,
        description = "Value size in bytes, uniform in MIN-MAX, or one number (default: 64-512; keys are 12 bytes).")
    Converters.Sizes size;

    @Option(names = "--sync", paramLabel = "MODE", defaultValue = "ASYNC",
        description = "STRICT, BATCH_ONLY or ASYNC (default: ${DEFAULT-VALUE}).")
    SyncMode sync;

    @Option(names = "--seconds", paramLabel = "S", description = "Stop writing after S seconds, even if fewer "
        + "records were written.")
    Double seconds;

    @Option(names = "--latency", paramLabel = "MODE", defaultValue = "sampled", converter = Converters.Latency.class,
        description = "Latency recording: sampled (every 64th append of each thread, the library's default), full "
            + "(every append), counters or off (default: ${DEFAULT-VALUE}).")
    LatencyRecording latency;

    @Option(names = "--segment-size", paramLabel = "BYTES", defaultValue = "64M", converter = Converters.Bytes.class,
        description = "Segment size, e.g. 64M (default: ${DEFAULT-VALUE}).")
    long segmentSize;

    @Override
    public Integer call() throws Exception
    {
        checkArguments();
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final long[] quota = new long[threads];
        for (int t = 0; t < threads; t++)
        {
            quota[t] = records / threads + (t < records % threads ? 1 : 0);
        }
        final WalOptions options = WalOptions.builder(directory).shardCount(shards).segmentSize(segmentSize)
            .syncMode(sync).latencyRecording(latency).maxValueSize(Math.max(size.max(), 1024)).build();
        DemoDirectory.prepare(directory, MARKER);
        DemoDirectory.checkSpace(directory, estimateBytes());
        final DemoWorkload workload = new DemoWorkload(size.min(), size.max(), quota);
        try (ShardedWal wal = ShardedWal.open(options))
        {
            DemoDirectory.mark(directory, MARKER);
            out.println("shardwal demo: " + Units.count(records) + " records of " + size + " values, "
                + shards + " shards, " + threads + " threads, " + sync + ", latency " + latency.name().toLowerCase(
                Locale.ROOT) + " -> " + directory);
            out.flush();
            final long[] written = new long[threads];
            final long writeNanos = write(wal, workload, quota, written, err);
            final long total = sum(written);
            final WalStats stats = wal.stats();
            printTable(stats, out);
            out.println(String.format(Locale.ROOT, "wrote %s records, %s MB in %s: %s records/s, %s MB/s",
                Units.count(total), Units.megabytes(stats.payloadBytes()), Units.seconds(writeNanos),
                Units.rate(total / (writeNanos / 1e9)), Units.megabytes((long)(stats.payloadBytes()
                / (writeNanos / 1e9)))) + (total < records ? " (stopped by --seconds after " + Units.count(total)
                + " of " + Units.count(records) + ")" : ""));
            out.flush();
            checkpoint(wal, out);
            out.flush();
            final int failures = replay(wal, workload, written, out);
            out.println();
            out.println("the log stays in " + directory + "; try: shardwal inspect " + directory + " | verify "
                + directory + " | dump " + directory + " --shard 0 --limit 5 | stats " + directory + " --prometheus");
            return failures == 0 ? 0 : CliFailure.DATA_PROBLEM;
        }
    }

    private void checkArguments()
    {
        if (shards < 1 || threads < 1 || records < 0)
        {
            throw new ParameterException(spec.commandLine(), "--shards and --threads must be at least 1, --records "
                + "not negative");
        }
        if (size.min() < DemoWorkload.HEADER_LENGTH || size.max() < size.min())
        {
            throw new ParameterException(spec.commandLine(), "--size must be MIN-MAX with "
                + DemoWorkload.HEADER_LENGTH + " <= MIN <= MAX (the demo's values start with a 16-byte header), not "
                + size.min() + "-" + size.max());
        }
        if (seconds != null && !(seconds > 0))
        {
            throw new ParameterException(spec.commandLine(), "--seconds must be positive");
        }
        if (records > DemoWorkload.MAX_RECORDS)
        {
            throw new ParameterException(spec.commandLine(), "--records can be at most " + DemoWorkload.MAX_RECORDS
                + " (the replay keeps one bit per record)");
        }
    }

    /** Disk the log will take: framed records plus, per shard, the segment being filled and one prepared ahead. */
    private long estimateBytes()
    {
        final long frame = FrameDescriptor.align(FrameDescriptor.dataFrameLength(DemoWorkload.KEY_LENGTH,
            (size.min() + size.max() + 1) / 2));
        return records * frame + shards * 2L * (segmentSize + 4096);
    }

    /** Runs the writer threads with a progress bar; returns the writing time. */
    private long write(final ShardedWal wal, final DemoWorkload workload, final long[] quota, final long[] written,
        final PrintWriter err) throws InterruptedException
    {
        final AtomicLongArray progress = new AtomicLongArray(threads);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final long started = System.nanoTime();
        // A duration, compared with the time elapsed: started + a huge --seconds would overflow into the past.
        final long limitNanos = seconds == null ? Long.MAX_VALUE : (long)Math.min(seconds * 1e9, Long.MAX_VALUE);
        final List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            final int thread = t;
            writers.add(Thread.ofPlatform().name("shardwal-demo-writer-" + t).start(() ->
            {
                try
                {
                    writeRecords(wal, workload, thread, quota[thread], started, limitNanos, progress,
                        failure);
                }
                catch (final RuntimeException | Error e)
                {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        final ProgressBar bar = new ProgressBar(err, cli.terminal(), "writing", records);
        for (final Thread writer : writers)
        {
            while (!writer.join(Duration.ofMillis(cli.terminal() ? 100 : 250)))
            {
                bar.update(sum(progress));
            }
        }
        final long elapsed = System.nanoTime() - started;
        for (int t = 0; t < threads; t++)
        {
            written[t] = progress.get(t);
        }
        bar.finish(sum(written));
        final Throwable first = failure.get();
        if (first instanceof RuntimeException runtime)
        {
            throw runtime;
        }
        if (first instanceof Error error)
        {
            throw error;
        }
        return elapsed;
    }

    private static void writeRecords(final ShardedWal wal, final DemoWorkload workload, final int thread,
        final long quota, final long started, final long limitNanos, final AtomicLongArray progress,
        final AtomicReference<Throwable> failure)
    {
        final byte[] key = new byte[DemoWorkload.KEY_LENGTH];
        final byte[] value = new byte[workload.maxSize()];
        final MemorySegment keySegment = MemorySegment.ofArray(key);
        final MemorySegment valueSegment = MemorySegment.ofArray(value);
        for (long sequence = 0; sequence < quota; sequence++)
        {
            if ((sequence & 1023) == 0)
            {
                if (failure.get() != null || System.nanoTime() - started > limitNanos)
                {
                    return;
                }
            }
            final long hash = DemoWorkload.hash(thread, sequence);
            DemoWorkload.key(hash, key);
            final int length = workload.value(thread, sequence, hash, valueSegment, value);
            wal.append(keySegment, valueSegment.asSlice(0, length));
            // Release store of the count, read by the progress bar and, after join, as the number written.
            progress.lazySet(thread, sequence + 1);
        }
    }

    private void printTable(final WalStats stats, final PrintWriter out)
    {
        out.println();
        final Table table = new Table("shard", "records", "MB", "append p50", "p90", "p99", "p99.9", "msync p99",
            "msyncs");
        for (final ShardStats shard : stats.shards())
        {
            row(table, String.valueOf(shard.shard()), shard.records(), shard.payloadBytes(), shard.appendLatency(),
                shard.msyncLatency(), shard.msyncs());
        }
        table.separator();
        row(table, "all", stats.records(), stats.payloadBytes(), stats.appendLatency(), stats.msyncLatency(),
            stats.msyncs());
        table.print(out, "");
        if (latency == LatencyRecording.SAMPLED)
        {
            out.println("(append latency from every " + io.shardwal.metrics.ShardMetrics.SAMPLE_INTERVAL
                + "th append of each thread; --latency full times every one)");
        }
        else if (latency != LatencyRecording.FULL)
        {
            out.println("(append latency is not recorded with --latency " + latency.name().toLowerCase(Locale.ROOT)
                + ")");
        }
        out.println(String.format(Locale.ROOT, "record skew (busiest shard / mean): %.3f; segment rolls: %d",
            stats.recordSkew(), stats.rolls()));
    }

    private static void row(final Table table, final String name, final long records, final long bytes,
        final LatencySummary append, final LatencySummary msync, final long msyncs)
    {
        table.row(name, Units.count(records), Units.megabytes(bytes), latency(append, append.p50()),
            latency(append, append.p90()), latency(append, append.p99()), latency(append, append.p999()),
            latency(msync, msync.p99()), Units.count(msyncs));
    }

    private static String latency(final LatencySummary summary, final long value)
    {
        return summary.count() == 0 ? "-" : Units.nanos(value);
    }

    private void checkpoint(final ShardedWal wal, final PrintWriter out)
    {
        final long started = System.nanoTime();
        final Checkpoint checkpoint = wal.createCheckpoint(CHECKPOINT_ID);
        long below = 0;
        for (final long position : checkpoint.positions())
        {
            below += position;
        }
        out.println("checkpoint " + checkpoint.idText() + " created in " + Units.nanos(System.nanoTime() - started)
            + " (every shard msynced up to it): " + Units.bytes(below) + " below it");
    }

    /** Replays every shard in parallel, checking each record; returns the number of problems (0: all verified). */
    private int replay(final ShardedWal wal, final DemoWorkload workload, final long[] written, final PrintWriter out)
    {
        final LongAdder bytes = new LongAdder();
        final LongAdder problems = new LongAdder();
        final AtomicReference<String> firstProblem = new AtomicReference<>();
        final ThreadLocal<byte[]> scratch = ThreadLocal.withInitial(() -> new byte[DemoWorkload.KEY_LENGTH]);
        final long started = System.nanoTime();
        final long delivered = wal.replay(record ->
        {
            final String problem = workload.check(record, scratch.get());
            if (problem != null)
            {
                problems.increment();
                firstProblem.compareAndSet(null, "shard " + record.shard() + " position " + record.position() + ": "
                    + problem);
            }
            bytes.add(record.keyLength() + record.valueLength());
        }, threads);
        final long elapsed = System.nanoTime() - started;
        final StringBuilder firstMissing = new StringBuilder();
        final long missing = workload.missing(written, firstMissing);
        final double secondsTaken = elapsed / 1e9;
        out.println(String.format(Locale.ROOT, "replayed %s records, %s MB on %d threads in %s: %s records/s, "
            + "%.2f GB/s", Units.count(delivered), Units.megabytes(bytes.sum()), Math.min(threads, shards),
            Units.seconds(elapsed), Units.rate(delivered / secondsTaken), bytes.sum() / secondsTaken / 1e9));
        if (problems.sum() == 0 && missing == 0)
        {
            out.println("verified: every one of the " + Units.count(sum(written)) + " records written came back "
                + "exactly once, byte for byte");
            return 0;
        }
        out.println("VERIFICATION FAILED: " + problems.sum() + " records wrong" + (firstProblem.get() != null
            ? " (first: " + firstProblem.get() + ")" : "") + ", " + missing + " missing"
            + (missing > 0 ? " (first: " + firstMissing + ")" : ""));
        return (int)Math.min(Integer.MAX_VALUE, problems.sum() + missing);
    }

    private static long sum(final long[] values)
    {
        long total = 0;
        for (final long value : values)
        {
            total += value;
        }
        return total;
    }

    private static long sum(final AtomicLongArray values)
    {
        long total = 0;
        for (int i = 0; i < values.length(); i++)
        {
            total += values.get(i);
        }
        return total;
    }
}
