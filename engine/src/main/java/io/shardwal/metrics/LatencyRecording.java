package io.shardwal.metrics;

/** How much per-append timing the metrics do. */
public enum LatencyRecording
{
    /** Every append is timed (two clock reads per append, ~40-100 ns on virtual machines), plus msyncs. */
    FULL,
    /**
     * Every {@value ShardMetrics#SAMPLE_INTERVAL}th append of each thread is timed, plus every msync: unbiased
     * percentiles for about 1 ns per append. The default.
     */
    SAMPLED,
    /** Counters and msync latency only: no clock read on the append path. */
    COUNTERS_ONLY,
    /** No clock reads and no histograms at all; counters only. For pure throughput studies. */
    OFF
}
