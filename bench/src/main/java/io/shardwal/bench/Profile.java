package io.shardwal.bench;

import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;

/**
 * How long a run measures. {@link #FULL} is what the benchmark classes declare ({@code @Fork}, {@code @Warmup},
 * {@code @Measurement}); {@link #QUICK} overrides forks and iteration counts (never the batch size, which the
 * benchmarks size their files for) to check the whole suite in a few minutes on two cores.
 */
public enum Profile
{
    /**
     * One fork, 2 warm-up and 6 measured shots per benchmark (C2 compiles the hot path within the first warm-up
     * shot of 200k calls): a few minutes on 2 idle cores. For checking the suite and rough same-run ratios, not for
     * publishing.
     */
    QUICK(1, 2, 6),
    /** As annotated: 3 forks, 5 warm-up and 20 measured shots. For the published figures, on a quiet machine. */
    FULL(-1, -1, -1);

    private final int forks;
    private final int warmupIterations;
    private final int measurementIterations;

    Profile(final int forks, final int warmupIterations, final int measurementIterations)
    {
        this.forks = forks;
        this.warmupIterations = warmupIterations;
        this.measurementIterations = measurementIterations;
    }

    /** Applies this profile's overrides, if any, to {@code options}. */
    ChainedOptionsBuilder apply(final ChainedOptionsBuilder options)
    {
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
        throw new IllegalArgumentException("unknown profile '" + name + "': use quick or full");
    }
}
