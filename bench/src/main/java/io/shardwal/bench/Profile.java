package io.shardwal.bench;

import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;

/**
 * How long a run measures, and what it runs when no include pattern is given.
 *
 * <p>{@link #FULL} is what the benchmark classes declare ({@code @Fork}, {@code @Warmup}, {@code @Measurement});
 * {@link #QUICK} and {@link #STUDIES} override forks and, for quick, iteration counts (never the batch size, which
 * the benchmarks size their files for). Without an include pattern, quick and full run every benchmark except the
 * {@link #STUDIES_PATTERN long studies}, and studies runs only those.
 */
public enum Profile
{
    /**
     * One fork, 2 warm-up and 6 measured shots per benchmark (C2 compiles the hot path within the first warm-up
     * shot of 200k calls): a few minutes on 2 idle cores. For checking the suite and rough same-run ratios, not for
     * publishing.
     */
    QUICK(1, 2, 6, false),
    /** As annotated: 3 forks, 5 warm-up and 20 measured shots. For the published figures, on a quiet machine. */
    FULL(-1, -1, -1, false),
    /**
     * The long WAL and checkpoint studies (STRICT group commit, the 64-writer scenario, replay, checkpoints,
     * recovery), each with the shots its class declares, in one fork: about 10 minutes on 2 cores. They write
     * gigabytes or wait for the disk, so they are not part of quick or full unless included by name.
     */
    STUDIES(1, -1, -1, true);

    /** Benchmarks that only the studies profile runs by default. */
    public static final String STUDIES_PATTERN = "io\\.shardwal\\.bench\\.(wal\\.(GroupCommit|PerAppendMsync"
        + "|ManyWriters|SingleMutexWal|Replay)Benchmark|checkpoint\\.)";

    private final int forks;
    private final int warmupIterations;
    private final int measurementIterations;
    private final boolean studies;

    Profile(final int forks, final int warmupIterations, final int measurementIterations, final boolean studies)
    {
        this.forks = forks;
        this.warmupIterations = warmupIterations;
        this.measurementIterations = measurementIterations;
        this.studies = studies;
    }

    /**
     * Applies this profile's overrides, if any, to {@code options}, and its default selection when no include
     * pattern was given ({@code include} null).
     */
    ChainedOptionsBuilder apply(final ChainedOptionsBuilder options, final String include)
    {
        if (include != null)
        {
            options.include(include);
        }
        else if (studies)
        {
            options.include(STUDIES_PATTERN);
        }
        else
        {
            options.include(RunBenchmarks.DEFAULT_INCLUDE).exclude(STUDIES_PATTERN);
        }
        if (forks > 0)
        {
            options.forks(forks);
        }
        if (warmupIterations > 0)
        {
            options.warmupIterations(warmupIterations);
        }
        if (measurementIterations > 0)
        {
            options.measurementIterations(measurementIterations);
        }
        return options;
    }

    /** What a run with {@code include} (null: none given) selects, for the results header. */
    String selection(final String include)
    {
        if (include != null)
        {
            return "`" + include + "`";
        }
        return studies ? "`" + STUDIES_PATTERN + "` (the studies)"
            : "`" + RunBenchmarks.DEFAULT_INCLUDE + "` except `" + STUDIES_PATTERN + "`";
    }

    /** The profile named {@code name}, case-insensitively. */
    static Profile named(final String name)
    {
        for (final Profile profile : values())
        {
            if (profile.name().equalsIgnoreCase(name))
            {
                return profile;
            }
        }
        throw new IllegalArgumentException("unknown profile '" + name + "': use quick, full or studies");
    }
}
