package io.shardwal.bench;

import java.util.List;
import java.util.Map;

/**
 * The figures every throughput row is divided by, and the targets the issue sets. A row is compared with a
 * baseline row of the same run that has the same {@code payload} parameter and thread count.
 *
 * <p>A later layer adds its targets (and, if it needs one, its baseline) here; its benchmarks need nothing else.
 */
public final class Baselines
{
    /**
     * A reference benchmark: rows of class {@code benchmarkClass} whose parameters include {@code params}.
     *
     * @param label short name for table headers, e.g. "raw warm".
     */
    public record Baseline(String label, String benchmarkClass, Map<String, String> params)
    {
    }

    /**
     * A target: the throughput of {@code benchmark} (a full method name) with {@code params} and {@code threads}
     * must be at least {@code minimumRatio} times the {@code baseline}'s.
     */
    public record Target(String layer, String benchmark, Map<String, String> params, int threads, String baseline,
        double minimumRatio)
    {
    }

    public static final String RAW_WARM = "raw warm";
    public static final String RAW_COLD = "raw cold";
    public static final String CHRONICLE = "Chronicle Queue";

    /** In the order of the table's ratio columns. */
    public static final List<Baseline> BASELINES = List.of(
        new Baseline(RAW_WARM, "io.shardwal.bench.raw.BumpPointerBenchmark", Map.of("pages", "warm")),
        new Baseline(RAW_COLD, "io.shardwal.bench.raw.BumpPointerBenchmark", Map.of("pages", "cold")),
        new Baseline(CHRONICLE, "io.shardwal.bench.peer.ChronicleQueueBenchmark", Map.of()));

    private static final String MMAP = "io.shardwal.bench.mmap.SegmentAppenderBenchmark.";

    /** Issue 2, mmap layer: 64 B, one writer, warm segment; the copying append and the zero-copy claim. */
    public static final List<Target> TARGETS = List.of(
        new Target("mmap", MMAP + "appendOneWriter", Map.of("payload", "64"), 1, RAW_WARM, 0.5),
        new Target("mmap", MMAP + "appendOneWriter", Map.of("payload", "64"), 1, CHRONICLE, 5.0),
        new Target("mmap", MMAP + "claimOneWriter", Map.of("payload", "64"), 1, RAW_WARM, 0.5),
        new Target("mmap", MMAP + "claimOneWriter", Map.of("payload", "64"), 1, CHRONICLE, 5.0));

    private Baselines()
    {
    }
}
