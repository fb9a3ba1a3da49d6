package io.shardwal.ingest;

import io.shardwal.index.Labels;

/**
 * One sample of an exposition.
 *
 * @param family          the metric family it belongs to (see {@link PrometheusTextParser}).
 * @param metricName      the name on the sample line, e.g. {@code http_request_duration_seconds_bucket}.
 * @param labels          the labels in braces (an empty value means no such label, as everywhere in shardwal).
 * @param value           the value; may be NaN or infinite.
 * @param timestampMillis the timestamp, or {@link #NO_TIMESTAMP}.
 */
public record Sample(String family, String metricName, Labels labels, double value, long timestampMillis)
{
    /** The timestamp of a sample that has none. */
    public static final long NO_TIMESTAMP = Long.MIN_VALUE;

    public boolean hasTimestamp()
    {
        return timestampMillis != NO_TIMESTAMP;
    }

    /** The series' labels as indexed: the labels plus {@code __name__}. */
    public Labels seriesLabels()
    {
        return labels.with("__name__", metricName);
    }
}
