package io.shardwal.index;

import java.util.Arrays;
import java.util.List;

/**
 * A series index: label sets in, 64-bit series ids out, and the Prometheus queries over them. {@link ShardedIndex}
 * is the implementation; the interface exists so a reference model and baselines can be checked and measured
 * against the same calls.
 *
 * <p>Implementations document their own thread-safety.
 */
public interface SeriesIndex extends AutoCloseable
{
    /**
     * Indexes {@code labels} if they are new and returns the series id ({@link SeriesIds}); adding the same labels
     * again returns the same id.
     *
     * @throws IllegalArgumentException if {@code labels} is empty or a label is not valid UTF-16.
     */
    long addSeries(Labels labels);

    /**
     * Indexes {@code labels} under {@code id}, as recorded by an earlier {@link #addSeries(Labels)} (replay).
     *
     * @throws IllegalArgumentException if {@code id} is not a candidate id of {@code labels}, is already used by other
     *                                  labels, or the labels are already indexed under another id.
     */
    long addSeries(long id, Labels labels);

    /**
     * Ids of the series matching all {@code matchers}, ascending (signed order), without duplicates.
     *
     * @throws IllegalArgumentException if there is no matcher or one is null.
     */
    long[] findSeries(List<Matcher> matchers);

    /** Shorthand for {@link #findSeries(List)}. */
    default long[] findSeries(final Matcher... matchers)
    {
        // not List.of, whose NullPointerException would pre-empt the implementation's error naming the null matcher
        return findSeries(matchers == null ? null : Arrays.asList(matchers));
    }

    /**
     * The labels of series {@code id}.
     *
     * @throws IllegalArgumentException if no live series has that id.
     */
    Labels getLabels(long id);

    /** Whether a live series has {@code id}. */
    boolean contains(long id);

    /** Label names of live series, sorted. */
    List<String> labelNames();

    /** Values of label {@code name} over live series, sorted; empty if no series has the label. */
    List<String> labelValues(String name);

    /**
     * Removes series {@code id}.
     *
     * @throws IllegalArgumentException if no live series has that id.
     */
    void removeSeries(long id);

    /** Number of live series. */
    long seriesCount();

    /** Releases the index's memory; idempotent. Any later call fails with {@link IllegalStateException}. */
    @Override
    void close();
}
