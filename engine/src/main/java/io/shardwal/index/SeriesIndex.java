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

    /** Told of a series that an add indexed for the first time. */
    @FunctionalInterface
    interface NewSeriesListener
    {
        void onNewSeries(long id, Labels labels);
    }

    /**
     * {@link #addSeries(Labels)}, calling {@code listener} (on this thread, after the series is indexed, holding
     * no lock of the index) if this call indexed the series: of concurrent adds of the same new labels, one is
     * told. This default implementation may also tell of a series another thread added at the same time, or
     * whose hash another label set holds; implementations that know whether they inserted tell exactly once.
     */
    default long addSeries(final Labels labels, final NewSeriesListener listener)
    {
        final long hash = SeriesIds.hash(labels);
        final boolean known = contains(hash);
        final long id = addSeries(labels);
        if (!known || id != hash)
        {
            listener.onNewSeries(id, labels);
        }
        return id;
    }

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
