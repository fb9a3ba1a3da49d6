package io.shardwal.ingest;

/** The metric types of the Prometheus text format. */
public enum MetricType
{
    COUNTER,
    GAUGE,
    HISTOGRAM,
    SUMMARY,
    UNTYPED;

    /** The type named {@code word} as written in a {@code # TYPE} line (lower case), or null. */
    static MetricType parse(final String word)
    {
        return switch (word)
        {
            case "counter" -> COUNTER;
            case "gauge" -> GAUGE;
            case "histogram" -> HISTOGRAM;
            case "summary" -> SUMMARY;
            case "untyped" -> UNTYPED;
            default -> null;
        };
    }
}
