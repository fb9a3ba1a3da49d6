package io.shardwal.bench;

import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.infra.ThreadParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Per-thread latency of single operations, for latency benchmarks. The benchmark times each operation itself:
 *
 * <pre>{@code
 *     final long start = System.nanoTime();
 *     final long result = operation();
 *     latency.record(System.nanoTime() - start);
 * }</pre>
 *
 * Values are recorded into an HdrHistogram (nanoseconds, 3 significant digits) during measurement iterations only.
 * They include the cost of one {@code System.nanoTime()} call, which is not subtracted: after the trial the
 * recorder measures it in the same JVM (back-to-back {@code nanoTime()} pairs) and publishes it beside the
 * latencies as the "timer" histogram, so every table states what the timer adds.
 *
 * <p>At the end of the trial both histograms go to {@link LatencyHistograms} (a file per thread, merged by the
 * runner) and a one-line summary goes to the fork's output.
 *
 * <p><b>Threads.</b> One recorder per benchmark thread ({@link Scope#Thread}); not thread-safe.
 */
@State(Scope.Thread)
public class LatencyRecorder
{
    /** Highest value tracked exactly; longer ones (a 10 s stall) are recorded as this. */
    private static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int SIGNIFICANT_DIGITS = 3;
    private static final int TIMER_SAMPLES = 1_000_000;

    private final Histogram latency = new Histogram(HIGHEST_TRACKABLE_NANOS, SIGNIFICANT_DIGITS);
    private long startMillis;
    private boolean measuring;

    /** Records one latency in nanoseconds. */
    public void record(final long nanos)
    {
        latency.recordValue(Math.min(Math.max(nanos, 0), HIGHEST_TRACKABLE_NANOS));
    }

    @Setup(Level.Iteration)
    public void beginIteration(final IterationParams iteration)
    {
        final boolean measurement = iteration.getType() == IterationType.MEASUREMENT;
        if (!(measurement && measuring))
        {
            // Warm-up values are dropped; measurement iterations accumulate.
            latency.reset();
            startMillis = System.currentTimeMillis();
        }
        measuring = measurement;
    }

    @TearDown(Level.Trial)
    public void publish(final BenchmarkParams benchmark, final ThreadParams thread)
    {
        latency.setStartTimeStamp(startMillis);
        latency.setEndTimeStamp(System.currentTimeMillis());
        final Histogram timer = measureTimer();
        LatencyHistograms.write(benchmark, thread.getThreadIndex(), latency, timer);
        System.out.printf("latency %s thread %d: count %d, p50 %d ns, p90 %d ns, p99 %d ns, p99.9 %d ns, max %d ns;"
                + " timer p50 %d ns%n", LatencyHistograms.key(benchmark), thread.getThreadIndex(),
            latency.getTotalCount(), latency.getValueAtPercentile(50), latency.getValueAtPercentile(90),
            latency.getValueAtPercentile(99), latency.getValueAtPercentile(99.9), latency.getMaxValue(),
            timer.getValueAtPercentile(50));
    }

    /** The latency of an empty timed region: what each recorded value contains besides the operation. */
    private static Histogram measureTimer()
    {
        final Histogram timer = new Histogram(HIGHEST_TRACKABLE_NANOS, SIGNIFICANT_DIGITS);
        timer.setStartTimeStamp(System.currentTimeMillis());
        for (int i = 0; i < TIMER_SAMPLES; i++)
        {
            final long start = System.nanoTime();
            timer.recordValue(Math.min(System.nanoTime() - start, HIGHEST_TRACKABLE_NANOS));
        }
        timer.setEndTimeStamp(System.currentTimeMillis());
        return timer;
    }
}
