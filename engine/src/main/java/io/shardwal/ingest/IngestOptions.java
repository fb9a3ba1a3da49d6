package io.shardwal.ingest;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of an {@link Ingest}, immutable and validated by {@link Builder#build()}.
 *
 * <ul>
 *   <li>{@code serializers}: how many batches fill at once. A sending thread takes a free serializer, so up to this
 *       many threads add samples without waiting for each other; a full batch is written by the thread that filled
 *       it while the others go on with other serializers. Default: the number of available processors.</li>
 *   <li>{@code maxSignalsInBatch}: samples per batch; a serializer holding this many writes them with one
 *       {@code appendBatch} (one contiguous claim and one commit per shard). Default 512.</li>
 *   <li>{@code flushFrequency}: a batch is written at the latest this long after its first sample, by a background
 *       flusher if no sender fills it first. Default 10 ms.</li>
 *   <li>{@code maxWaitTime}: how long a send waits for a free serializer (all may be busy writing) before it fails
 *       with a timeout. Default 1 s.</li>
 * </ul>
 */
public final class IngestOptions
{
    public static final int DEFAULT_MAX_SIGNALS_IN_BATCH = 512;
    public static final Duration DEFAULT_FLUSH_FREQUENCY = Duration.ofMillis(10);
    public static final Duration DEFAULT_MAX_WAIT_TIME = Duration.ofSeconds(1);
    /** Upper bound of {@code maxSignalsInBatch}: a batch's samples are one buffer of 25 bytes each. */
    public static final int MAX_SIGNALS_IN_BATCH = 1 << 20;
    /** Upper bound of {@code serializers}. */
    public static final int MAX_SERIALIZERS = 1024;

    private final int serializers;
    private final int maxSignalsInBatch;
    private final Duration flushFrequency;
    private final Duration maxWaitTime;

    private IngestOptions(final Builder builder)
    {
        serializers = builder.serializers;
        maxSignalsInBatch = builder.maxSignalsInBatch;
        flushFrequency = builder.flushFrequency;
        maxWaitTime = builder.maxWaitTime;
    }

    public static Builder builder()
    {
        return new Builder();
    }

    /** The defaults. */
    public static IngestOptions defaults()
    {
        return builder().build();
    }

    public int serializers()
    {
        return serializers;
    }

    public int maxSignalsInBatch()
    {
        return maxSignalsInBatch;
    }

    public Duration flushFrequency()
    {
        return flushFrequency;
    }

    public Duration maxWaitTime()
    {
        return maxWaitTime;
    }

    @Override
    public String toString()
    {
        return "IngestOptions{serializers=" + serializers + ", maxSignalsInBatch=" + maxSignalsInBatch
            + ", flushFrequency=" + flushFrequency + ", maxWaitTime=" + maxWaitTime + '}';
    }

    /** Mutable, not thread-safe; {@link #build()} validates everything and names the first bad value. */
    public static final class Builder
    {
        private int serializers = Math.min(MAX_SERIALIZERS, Runtime.getRuntime().availableProcessors());
        private int maxSignalsInBatch = DEFAULT_MAX_SIGNALS_IN_BATCH;
        private Duration flushFrequency = DEFAULT_FLUSH_FREQUENCY;
        private Duration maxWaitTime = DEFAULT_MAX_WAIT_TIME;

        private Builder()
        {
        }

        public Builder serializers(final int value)
        {
            serializers = value;
            return this;
        }

        public Builder maxSignalsInBatch(final int value)
        {
            maxSignalsInBatch = value;
            return this;
        }

        public Builder flushFrequency(final Duration value)
        {
            flushFrequency = Objects.requireNonNull(value, "flushFrequency");
            return this;
        }

        public Builder maxWaitTime(final Duration value)
        {
            maxWaitTime = Objects.requireNonNull(value, "maxWaitTime");
            return this;
        }

        public IngestOptions build()
        {
            check(serializers >= 1 && serializers <= MAX_SERIALIZERS,
                "serializers must be in [1, " + MAX_SERIALIZERS + "], not " + serializers);
            check(maxSignalsInBatch >= 1 && maxSignalsInBatch <= MAX_SIGNALS_IN_BATCH,
                "maxSignalsInBatch must be in [1, " + MAX_SIGNALS_IN_BATCH + "], not " + maxSignalsInBatch);
            check(flushFrequency.compareTo(Duration.ofMillis(1)) >= 0
                && flushFrequency.compareTo(Duration.ofHours(1)) <= 0,
                "flushFrequency must be in [1 ms, 1 hour], not " + flushFrequency);
            check(!maxWaitTime.isNegative() && maxWaitTime.compareTo(Duration.ofHours(1)) <= 0,
                "maxWaitTime must be in [0, 1 hour], not " + maxWaitTime);
            return new IngestOptions(this);
        }

        private static void check(final boolean condition, final String message)
        {
            if (!condition)
            {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
