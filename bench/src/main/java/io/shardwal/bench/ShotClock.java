package io.shardwal.bench;

import java.util.concurrent.atomic.AtomicLong;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The wall-clock time of a single-shot iteration over all its threads: from the earliest moment a writer thread
 * was ready to start its batch to the moment every thread had finished (JMH's tear-down barrier).
 *
 * <p>JMH's own single-shot score is each thread's own batch time, averaged over the threads. When threads do not
 * run at the same time — 64 writers on 2 cores run in turns of a scheduler slice, and even 2 writers share the
 * cores with the log's background threads — that average is much shorter than the shot, and threads × batch /
 * score overstates the throughput (by up to threads / cores). {@link PageFaults} therefore also reports this wall
 * time, and the runner computes records/s from it.
 *
 * <p>Used through {@link PageFaults} only: every thread stamps its start there as its last set-up step, thread 0
 * reads the span in its first tear-down step.
 */
@State(Scope.Benchmark)
public class ShotClock
{
    private final AtomicLong earliestStart = new AtomicLong(Long.MAX_VALUE);

    @Setup(Level.Iteration)
    public void reset()
    {
        earliestStart.set(Long.MAX_VALUE);
    }

    /** A thread is about to start its batch. */
    void threadStarts(final long nanos)
    {
        earliestStart.accumulateAndGet(nanos, Math::min);
    }

    /** Nanoseconds from the earliest thread start to {@code now}. */
    long since(final long now)
    {
        return now - earliestStart.get();
    }
}
