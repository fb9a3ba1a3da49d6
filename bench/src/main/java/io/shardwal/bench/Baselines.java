package io.shardwal.bench;

import java.util.List;
import java.util.Map;

/**
 * The figures throughput rows are divided by, and the targets the issues set.
 *
 * <p>A row is compared with a baseline row of the same run that has the same {@code payload} parameter, the same
 * thread count and the same values of the baseline's {@link Baseline#matchParams}; a baseline only applies to rows
 * whose benchmark name matches its {@link Baseline#appliesTo} pattern, and the table only shows a baseline's column
 * when some row of the run has a ratio in it.
 *
 * <p>A later layer adds its targets (and, if it needs one, its baseline) here; its benchmarks need nothing else.
 */
public final class Baselines
{
    /**
     * A reference benchmark: rows of class {@code benchmarkClass} whose parameters include {@code params}.
     *
     * @param label          short name for table headers, e.g. "raw warm".
     * @param benchmarkClass the class whose rows are the baseline, or null for the same method as the row's, with
     *                       the baseline's {@code params}.
     * @param appliesTo      regular expression (find) over full benchmark names of the rows this baseline divides.
     * @param matchParams    parameters (besides payload and threads) whose values the two rows must share.
     */
    public record Baseline(String label, String benchmarkClass, Map<String, String> params, String appliesTo,
        List<String> matchParams)
    {
    }

    /** One row of a run: a full benchmark method name, parameters it must have, and its thread count. */
    public record Ref(String benchmark, Map<String, String> params, int threads)
    {
    }

    /** Something the issues ask for, judged met or missed from the rows of one run. */
    public sealed interface Target permits Ratio, Latency, Rate
    {
        String layer();

        Ref subject();
    }

    /**
     * Throughput of {@code subject} ≥ {@code minimumRatio} × that of a baseline (by label, the row of the same
     * shape) or of an explicit {@code reference} row; exactly one of {@code baseline} and {@code reference} is set.
     */
    public record Ratio(String layer, Ref subject, String baseline, Ref reference, double minimumRatio)
        implements Target
    {
    }

    /** The {@code percentile} (100 = max) of {@code subject}'s latency histogram ≤ {@code maximumNanos}. */
    public record Latency(String layer, Ref subject, double percentile, long maximumNanos) implements Target
    {
    }

    /**
     * The median per-shot value of aux counter {@code counter} of {@code subject}, per second, ≥ minimum; with no
     * counter ({@code null}), the row's own operations per second.
     */
    public record Rate(String layer, Ref subject, String counter, double minimumPerSecond, String unit)
        implements Target
    {
    }

    public static final String RAW_WARM = "raw warm";
    public static final String RAW_COLD = "raw cold";
    public static final String CHRONICLE = "Chronicle Queue";
    public static final String PER_APPEND_MSYNC = "per-append msync";
    public static final String SINGLE_MUTEX = "single mutex";
    public static final String RECORDING_OFF = "recording OFF";
    public static final String SINGLE_LOCK_INDEX = "single-lock index";

    private static final String BENCH = "io.shardwal.bench.";
    private static final String MMAP = BENCH + "mmap.SegmentAppenderBenchmark.";
    private static final String ASYNC = BENCH + "wal.AsyncAppendBenchmark.";
    private static final String GROUP_COMMIT = BENCH + "wal.GroupCommitBenchmark.";
    private static final String PER_APPEND = BENCH + "wal.PerAppendMsyncBenchmark.";
    private static final String MANY_WRITERS = BENCH + "wal.ManyWritersBenchmark.";
    private static final String REPLAY = BENCH + "wal.ReplayBenchmark.";
    private static final String INDEX_ADD = BENCH + "index.IndexAddBenchmark.";
    private static final String INDEX_MIXED = BENCH + "index.IndexMixedBenchmark.";

    /** Rows that append at memory speed, one record per call: what the raw limit and the peer compare with. */
    private static final String MEMORY_SPEED_APPENDS =
        "\\.(raw|peer|mmap)\\.|\\.wal\\.(AsyncAppend|LatencyRecording)Benchmark\\.";

    /** In the order of the table's ratio columns. */
    public static final List<Baseline> BASELINES = List.of(
        new Baseline(RAW_WARM, BENCH + "raw.BumpPointerBenchmark", Map.of("pages", "warm"), MEMORY_SPEED_APPENDS,
            List.of()),
        new Baseline(RAW_COLD, BENCH + "raw.BumpPointerBenchmark", Map.of("pages", "cold"), MEMORY_SPEED_APPENDS,
            List.of()),
        new Baseline(CHRONICLE, BENCH + "peer.ChronicleQueueBenchmark", Map.of(), MEMORY_SPEED_APPENDS, List.of()),
        new Baseline(PER_APPEND_MSYNC, BENCH + "wal.PerAppendMsyncBenchmark", Map.of(),
            "\\.wal\\.(GroupCommit|PerAppendMsync)Benchmark\\.", List.of()),
        new Baseline(SINGLE_MUTEX, BENCH + "wal.SingleMutexWalBenchmark", Map.of(),
            "\\.wal\\.(ManyWriters|SingleMutexWal)Benchmark\\.", List.of("shards")),
        new Baseline(RECORDING_OFF, BENCH + "wal.LatencyRecordingBenchmark", Map.of("recording", "OFF"),
            "\\.wal\\.LatencyRecordingBenchmark\\.", List.of()),
        new Baseline(SINGLE_LOCK_INDEX, null, Map.of("index", "baseline"),
            "\\.index\\.Index(Add|Find|Mixed)Benchmark\\.", List.of("workload", "query")));

    private static Ref ref(final String benchmark, final int threads, final String... params)
    {
        final Map<String, String> values = new java.util.TreeMap<>();
        for (int i = 0; i < params.length; i += 2)
        {
            values.put(params[i], params[i + 1]);
        }
        return new Ref(benchmark, values, threads);
    }

    private static final long MICROSECOND = 1_000;
    private static final long MILLISECOND = 1_000_000;

    /**
     * Issue 2 (mmap: 64 B, one writer, warm segment), issue 3 (ShardedWal: ASYNC appends across rolls, STRICT group
     * commit, the seeds' 64-writer scenario, replay), issue 6 (ShardedIndex: adds on one thread, the 2-thread
     * mixed workload).
     */
    public static final List<Target> TARGETS = List.of(
        new Ratio("mmap", ref(MMAP + "appendOneWriter", 1, "payload", "64"), RAW_WARM, null, 0.5),
        new Ratio("mmap", ref(MMAP + "appendOneWriter", 1, "payload", "64"), CHRONICLE, null, 5.0),
        new Ratio("mmap", ref(MMAP + "claimOneWriter", 1, "payload", "64"), RAW_WARM, null, 0.5),
        new Ratio("mmap", ref(MMAP + "claimOneWriter", 1, "payload", "64"), CHRONICLE, null, 5.0),
        new Ratio("wal", ref(ASYNC + "oneWriter", 1, "payload", "64", "prepareAhead", "1", "segmentMiB", "8"), CHRONICLE, null, 4.0),
        new Ratio("wal", ref(ASYNC + "oneWriter", 1, "payload", "64", "prepareAhead", "1", "segmentMiB", "8"), RAW_COLD, null, 1.2),
        new Ratio("wal", ref(ASYNC + "twoWriters", 2, "payload", "64", "prepareAhead", "1", "segmentMiB", "8"), null,
            ref(ASYNC + "oneWriter", 1, "payload", "64", "prepareAhead", "1", "segmentMiB", "8"), 1.6),
        new Latency("wal", ref(ASYNC + "oneWriterLatency", 1, "payload", "64", "prepareAhead", "1", "segmentMiB", "8"), 99.9,
            MICROSECOND),
        new Latency("wal", ref(ASYNC + "oneWriterLatency", 1, "payload", "64", "prepareAhead", "1", "segmentMiB", "8"), 100,
            MILLISECOND),
        new Latency("wal", ref(ASYNC + "twoWritersLatency", 2, "payload", "64", "prepareAhead", "1", "segmentMiB", "8"), 99.9,
            MICROSECOND),
        new Latency("wal", ref(ASYNC + "twoWritersLatency", 2, "payload", "64", "prepareAhead", "1", "segmentMiB", "8"), 100,
            MILLISECOND),
        groupCommitTarget("writers16", 16, "1"),
        groupCommitTarget("writers64", 64, "1"),
        groupCommitTarget("writers16", 16, "4"),
        groupCommitTarget("writers64", 64, "4"),
        new Ratio("wal", ref(MANY_WRITERS + "writers64", 64, "payload", "64", "shards", "16"), SINGLE_MUTEX, null,
            3.0),
        replayTarget("replay1", "writer"),
        replayTarget("replay2", "writer"),
        replayTarget("replay1", "readOnly"),
        replayTarget("replay2", "readOnly"),
        new Rate("index", ref(INDEX_ADD + "addNew", 1, "index", "sharded-1"), null, 1e6, "adds/s"),
        new Rate("index", ref(INDEX_ADD + "addNew", 1, "index", "sharded-4"), null, 1e6, "adds/s"),
        new Ratio("index", ref(INDEX_MIXED + "twoThreads", 2, "index", "sharded-4", "workload", "MIXED"),
            SINGLE_LOCK_INDEX, null, 1.5),
        new Ratio("index", ref(INDEX_MIXED + "twoThreads", 2, "index", "sharded-16", "workload", "MIXED"),
            SINGLE_LOCK_INDEX, null, 1.5));

    /** STRICT group commit ≥ 8× a per-append msync at 16+ writers (64 B), with the log's shards. */
    private static Ratio groupCommitTarget(final String method, final int threads, final String shards)
    {
        return new Ratio("wal", ref(GROUP_COMMIT + method, threads, "payload", "64", "shards", shards), null,
            ref(PER_APPEND + method, threads, "payload", "64"), 8.0);
    }

    /** Replay with CRC checks ≥ 2 GB/s of frame bytes (1 KiB records, WAL in the page cache). */
    private static Rate replayTarget(final String method, final String source)
    {
        return new Rate("wal", ref(REPLAY + method, 1, "payload", "1024", "source", source), "frameBytes", 2e9,
            "B/s of frames");
    }

    private Baselines()
    {
    }
}
