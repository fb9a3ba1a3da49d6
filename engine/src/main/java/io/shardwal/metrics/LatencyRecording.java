package io.shardwal.metrics;

/** How much per-append timing the metrics do. */
public enum LatencyRecording
{
    /** Append and msync latency histograms plus all counters (two clock reads per append). */
    FULL,
    /** Counters and msync latency only: no clock read on the append path. */
    COUNTERS_ONLY,
    /** No clock reads and no histograms at all; counters only. For pure throughput studies. */
    OFF
}
