package io.shardwal.wal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.mmap.SegmentDescriptor;
import io.shardwal.metrics.LatencyRecording;
import io.shardwal.route.RouterKind;

/**
 * Everything {@link ShardedWal#open(WalOptions)} needs, immutable and validated in one place ({@link Builder#build}).
 * Defaults are the documented constants below. Shard count, router and segment size are persisted in
 * {@code wal.manifest} on creation; reopening with different values is refused.
 */
public final class WalOptions
{
    public static final int DEFAULT_SHARD_COUNT = 4;
    public static final long DEFAULT_SEGMENT_SIZE = 64L << 20;
    public static final SyncMode DEFAULT_SYNC_MODE = SyncMode.STRICT;
    public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofMillis(10);
    public static final RouterKind DEFAULT_ROUTER = RouterKind.JUMP;
    public static final long DEFAULT_ROUTER_SEED = 0;
    public static final int DEFAULT_MAX_KEY_SIZE = 1024;
    /** 1 MiB, or the largest value one segment can hold if that is smaller. */
    public static final int DEFAULT_MAX_VALUE_SIZE = 1 << 20;
    public static final int DEFAULT_PREPARE_AHEAD = 1;
    public static final int DEFAULT_MAX_OPEN_READER_SEGMENTS = 64;
    public static final LatencyRecording DEFAULT_LATENCY_RECORDING = LatencyRecording.SAMPLED;
    public static final Duration DEFAULT_COMMIT_WAIT_TIMEOUT = Duration.ofSeconds(10);
    /** Half the default {@link #commitWaitTimeout()}: a checkpoint waiting behind a forgotten claim still succeeds. */
    public static final Duration DEFAULT_CLAIM_TIMEOUT = Duration.ofSeconds(5);
    /** The shortest {@link #claimTimeout()}: shorter ones would fail appends whose thread was merely descheduled. */
    public static final Duration MIN_CLAIM_TIMEOUT = Duration.ofMillis(10);
    /** 0: one thread per processor the JVM may use, at most one per shard. */
    public static final int DEFAULT_RECOVERY_THREADS = 0;
    public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofSeconds(5);
    /**
     * The logger of progress lines ({@link #progressInterval()}): below {@code io.shardwal}, so that a front end can
     * show progress and hide the other INFO lines.
     */
    public static final String PROGRESS_LOGGER = "io.shardwal.progress";
    public static final int MAX_RECOVERY_THREADS = 1024;
    /** Segment sizes are whole pages. */
    public static final long SEGMENT_SIZE_GRANULE = 4096;

    private final Path directory;
    private final int shardCount;
    private final long segmentSize;
    private final SyncMode syncMode;
    private final Duration syncInterval;
    private final RouterKind router;
    private final long routerSeed;
    private final int maxKeySize;
    private final int maxValueSize;
    private final int prepareAhead;
    private final int maxOpenReaderSegments;
    private final LatencyRecording latencyRecording;
    private final boolean createIfMissing;
    private final boolean readOnly;
    private final Duration commitWaitTimeout;
    private final Duration claimTimeout;
    private final int recoveryThreads;
    private final Duration progressInterval;

    private WalOptions(final Builder builder)
    {
        directory = builder.directory;
        shardCount = builder.shardCount;
        segmentSize = builder.segmentSize;
        syncMode = builder.syncMode;
        syncInterval = builder.syncInterval;
        router = builder.router;
        routerSeed = builder.routerSeed;
        maxKeySize = builder.maxKeySize;
        maxValueSize = builder.maxValueSize;
        prepareAhead = builder.prepareAhead;
        maxOpenReaderSegments = builder.maxOpenReaderSegments;
        latencyRecording = builder.latencyRecording;
        createIfMissing = builder.createIfMissing;
        readOnly = builder.readOnly;
        commitWaitTimeout = builder.commitWaitTimeout;
        claimTimeout = builder.claimTimeout;
        recoveryThreads = builder.recoveryThreads;
        progressInterval = builder.progressInterval;
    }

    public static Builder builder(final Path directory)
    {
        return new Builder(directory);
    }

    /** A builder preset with these options (to derive variants). */
    public Builder toBuilder()
    {
        return new Builder(directory).shardCount(shardCount).segmentSize(segmentSize).syncMode(syncMode)
            .syncInterval(syncInterval).router(router).routerSeed(routerSeed).maxKeySize(maxKeySize)
            .maxValueSize(maxValueSize).prepareAhead(prepareAhead).maxOpenReaderSegments(maxOpenReaderSegments)
            .latencyRecording(latencyRecording).createIfMissing(createIfMissing).readOnly(readOnly)
            .commitWaitTimeout(commitWaitTimeout).claimTimeout(claimTimeout).recoveryThreads(recoveryThreads)
            .progressInterval(progressInterval);
    }

    public Path directory()
    {
        return directory;
    }

    public int shardCount()
    {
        return shardCount;
    }

    /**
     * Data bytes per segment file (the file is one 4 KiB header page longer). Size segments so that one lasts much
     * longer than preparing the next takes (creating, preallocating and pretouching it: milliseconds per 8 MiB):
     * a writer that reaches a segment still being pretouched takes the page faults the preparer was meant to take.
     * At ~1 GB/s into one shard an 8 MiB segment lasts ~9 ms, and on a two-core host with an ASYNC syncer at 10 ms
     * the preparer falls behind; the 64 MiB default does not (bench {@code WalWritebackMain}).
     */
    public long segmentSize()
    {
        return segmentSize;
    }

    public SyncMode syncMode()
    {
        return syncMode;
    }

    /** How often the ASYNC syncer msyncs. */
    public Duration syncInterval()
    {
        return syncInterval;
    }

    public RouterKind router()
    {
        return router;
    }

    public long routerSeed()
    {
        return routerSeed;
    }

    public int maxKeySize()
    {
        return maxKeySize;
    }

    public int maxValueSize()
    {
        return maxValueSize;
    }

    /**
     * Segments the background preparer keeps created, preallocated and pretouched ahead of each shard; each costs one
     * segment of disk per shard. One is enough when a segment lasts much longer than preparing the next (the default
     * 64 MiB segments). With segments that fill in milliseconds, two or three keep the writer off the page faults of
     * a segment still being pretouched (bench {@code WalWritebackMain}, 8 MiB segments, ASYNC: three ahead took the
     * writer's faults per 200,000 appends from 167-366 to 6-86).
     */
    public int prepareAhead()
    {
        return prepareAhead;
    }

    /** Upper bound on segments mapped for readers at once (beyond the writer's own). */
    public int maxOpenReaderSegments()
    {
        return maxOpenReaderSegments;
    }

    public LatencyRecording latencyRecording()
    {
        return latencyRecording;
    }

    public boolean createIfMissing()
    {
        return createIfMissing;
    }

    public boolean readOnly()
    {
        return readOnly;
    }

    /** How long a checkpoint waits for appends claimed before it to commit before it fails with TIMEOUT. */
    public Duration commitWaitTimeout()
    {
        return commitWaitTimeout;
    }

    /**
     * How long a claim may hold its shard's committed frontier before the writer's background thread pads over it:
     * a {@link WalClaim} left open, or a writer thread that died or hangs between claim and commit, would otherwise
     * hold back every tailer, replay, checkpoint and prune of its shard until the next open. The padding is counted
     * ({@code unblockedClaims} in the shard's stats) and logged with shard, position and file. The owner's commit
     * then fails with TIMEOUT and writes nothing: a record is either acknowledged and delivered, or neither. A
     * claim is padded over between one and about one and a half timeouts after it starts holding the frontier.
     */
    public Duration claimTimeout()
    {
        return claimTimeout;
    }

    /**
     * Threads that recover shards at open, each scanning whole shards (a scan is CPU-bound: CRC32C over every frame
     * written since the latest checkpoint). {@code 0}, the default, is one per processor the JVM may use
     * ({@link Runtime#availableProcessors()}). Never more than the shards there are to scan; 1 scans on the opening
     * thread.
     */
    public int recoveryThreads()
    {
        return recoveryThreads;
    }

    /**
     * How often long work over the whole log, the recovery at open and {@link ShardedWal#replay}, logs its progress
     * (INFO, logger {@value #PROGRESS_LOGGER}): nothing for work shorter than this, then a line each interval.
     * {@link Duration#ZERO} logs at every step (a segment scanned, a poll of records read).
     */
    public Duration progressInterval()
    {
        return progressInterval;
    }

    @Override
    public String toString()
    {
        return "WalOptions{directory=" + directory + ", shards=" + shardCount + ", segmentSize=" + segmentSize
            + ", sync=" + syncMode + (syncMode == SyncMode.ASYNC ? " every " + syncInterval : "") + ", router="
            + router + "(seed " + routerSeed + "), maxKey=" + maxKeySize + ", maxValue=" + maxValueSize
            + ", prepareAhead=" + prepareAhead + ", readerSegments=" + maxOpenReaderSegments + ", latency="
            + latencyRecording + ", recoveryThreads=" + (recoveryThreads == 0 ? "per processor" : recoveryThreads)
            + (readOnly ? ", read-only" : "") + (createIfMissing ? "" : ", must exist") + '}';
    }

    /** Mutable, not thread-safe; {@link #build()} validates everything and names the first bad value. */
    public static final class Builder
    {
        private final Path directory;
        private int shardCount = DEFAULT_SHARD_COUNT;
        private long segmentSize = DEFAULT_SEGMENT_SIZE;
        private SyncMode syncMode = DEFAULT_SYNC_MODE;
        private Duration syncInterval = DEFAULT_SYNC_INTERVAL;
        private RouterKind router = DEFAULT_ROUTER;
        private long routerSeed = DEFAULT_ROUTER_SEED;
        private int maxKeySize = DEFAULT_MAX_KEY_SIZE;
        /** -1: not set, i.e. {@link #DEFAULT_MAX_VALUE_SIZE} or the largest value a segment holds, if smaller. */
        private int maxValueSize = -1;
        private int prepareAhead = DEFAULT_PREPARE_AHEAD;
        private int maxOpenReaderSegments = DEFAULT_MAX_OPEN_READER_SEGMENTS;
        private LatencyRecording latencyRecording = DEFAULT_LATENCY_RECORDING;
        private boolean createIfMissing = true;
        private boolean readOnly;
        private Duration commitWaitTimeout = DEFAULT_COMMIT_WAIT_TIMEOUT;
        private Duration claimTimeout = DEFAULT_CLAIM_TIMEOUT;
        private int recoveryThreads = DEFAULT_RECOVERY_THREADS;
        private Duration progressInterval = DEFAULT_PROGRESS_INTERVAL;

        private Builder(final Path directory)
        {
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        public Builder shardCount(final int value)
        {
            shardCount = value;
            return this;
        }

        public Builder segmentSize(final long value)
        {
            segmentSize = value;
            return this;
        }

        public Builder syncMode(final SyncMode value)
        {
            syncMode = Objects.requireNonNull(value, "syncMode");
            return this;
        }

        public Builder syncInterval(final Duration value)
        {
            syncInterval = Objects.requireNonNull(value, "syncInterval");
            return this;
        }

        public Builder router(final RouterKind value)
        {
            router = Objects.requireNonNull(value, "router");
            return this;
        }

        public Builder routerSeed(final long value)
        {
            routerSeed = value;
            return this;
        }

        public Builder maxKeySize(final int value)
        {
            maxKeySize = value;
            return this;
        }

        public Builder maxValueSize(final int value)
        {
            maxValueSize = value;
            return this;
        }

        public Builder prepareAhead(final int value)
        {
            prepareAhead = value;
            return this;
        }

        public Builder maxOpenReaderSegments(final int value)
        {
            maxOpenReaderSegments = value;
            return this;
        }

        public Builder latencyRecording(final LatencyRecording value)
        {
            latencyRecording = Objects.requireNonNull(value, "latencyRecording");
            return this;
        }

        public Builder createIfMissing(final boolean value)
        {
            createIfMissing = value;
            return this;
        }

        public Builder readOnly(final boolean value)
        {
            readOnly = value;
            return this;
        }

        public Builder commitWaitTimeout(final Duration value)
        {
            commitWaitTimeout = Objects.requireNonNull(value, "commitWaitTimeout");
            return this;
        }

        public Builder claimTimeout(final Duration value)
        {
            claimTimeout = Objects.requireNonNull(value, "claimTimeout");
            return this;
        }

        public Builder recoveryThreads(final int value)
        {
            recoveryThreads = value;
            return this;
        }

        public Builder progressInterval(final Duration value)
        {
            progressInterval = Objects.requireNonNull(value, "progressInterval");
            return this;
        }

        public WalOptions build()
        {
            check(shardCount >= 1 && shardCount < RecordAddress.MAX_SHARDS,
                "shardCount must be in [1, " + (RecordAddress.MAX_SHARDS - 1) + "], not " + shardCount);
            check(segmentSize >= SegmentDescriptor.MIN_CAPACITY && segmentSize <= SegmentDescriptor.MAX_CAPACITY
                && segmentSize % SEGMENT_SIZE_GRANULE == 0, "segmentSize must be a multiple of "
                + SEGMENT_SIZE_GRANULE + " in [" + SegmentDescriptor.MIN_CAPACITY + ", "
                + SegmentDescriptor.MAX_CAPACITY + "], not " + segmentSize);
            check(!syncInterval.isNegative() && !syncInterval.isZero()
                && syncInterval.compareTo(Duration.ofHours(1)) <= 0,
                "syncInterval must be positive and at most 1 hour, not " + syncInterval);
            check(maxKeySize >= 0 && maxKeySize <= FrameDescriptor.MAX_KEY_LENGTH,
                "maxKeySize must be in [0, " + FrameDescriptor.MAX_KEY_LENGTH + "], not " + maxKeySize);
            if (maxValueSize == -1)
            {
                final long fits = segmentSize - FrameDescriptor.dataFrameLength(maxKeySize, 0);
                maxValueSize = (int)Math.max(0,
                    Math.min(DEFAULT_MAX_VALUE_SIZE, fits - fits % FrameDescriptor.ALIGNMENT));
            }
            check(maxValueSize >= 0, "maxValueSize must not be negative, not " + maxValueSize);
            final long largestFrame = FrameDescriptor.align(
                FrameDescriptor.dataFrameLength(maxKeySize, maxValueSize));
            check(largestFrame <= segmentSize, "the largest record (" + maxKeySize + "-byte key, " + maxValueSize
                + "-byte value: " + largestFrame + " bytes framed) must fit one segment of " + segmentSize
                + " bytes; lower maxKeySize/maxValueSize or raise segmentSize");
            check(prepareAhead >= 0 && prepareAhead <= 16, "prepareAhead must be in [0, 16], not " + prepareAhead);
            check(maxOpenReaderSegments >= 1, "maxOpenReaderSegments must be at least 1, not "
                + maxOpenReaderSegments);
            check(!commitWaitTimeout.isNegative() && !commitWaitTimeout.isZero(),
                "commitWaitTimeout must be positive, not " + commitWaitTimeout);
            check(claimTimeout.compareTo(MIN_CLAIM_TIMEOUT) >= 0, "claimTimeout must be at least "
                + MIN_CLAIM_TIMEOUT + ", not " + claimTimeout);
            check(recoveryThreads >= 0 && recoveryThreads <= MAX_RECOVERY_THREADS, "recoveryThreads must be in [0, "
                + MAX_RECOVERY_THREADS + "] (0: one per processor), not " + recoveryThreads);
            check(!progressInterval.isNegative(), "progressInterval must not be negative, not " + progressInterval);
            return new WalOptions(this);
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
