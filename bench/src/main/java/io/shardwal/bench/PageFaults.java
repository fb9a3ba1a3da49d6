package io.shardwal.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Page faults a writer thread takes during a shot, from the kernel's per-thread counters
 * ({@code /proc/thread-self/stat}: minor + major faults), reported by JMH as the secondary result
 * {@value #RESULT} (summed over threads). It shows that a "warm" benchmark takes no fault and a "cold" one takes
 * one per page it writes.
 *
 * <p>Make it the <em>first</em> parameter of the benchmark method: JMH runs the iteration set-ups of a method's
 * states in reverse parameter order and the tear-downs in parameter order, so the count then starts after every
 * other set-up and stops before every other tear-down. Reads -1 where the kernel does not provide the counters.
 *
 * <p>It also reports {@value #SHOT_NANOS}, the shot's wall-clock time over all threads ({@link ShotClock}), from
 * which the runner computes records/s.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class PageFaults
{
    /** Name of the secondary result (package-private: public fields of an aux-counter class must be counters). */
    static final String RESULT = "pageFaults";


    /** Name of the secondary result with the shot's wall-clock time (package-private, like {@link #RESULT}). */
    static final String SHOT_NANOS = "shotNanos";

    /** Faults of this thread in the last shot; JMH reads it after the tear-downs. */
    public long pageFaults;

    /**
     * Thread 0: the wall-clock nanoseconds of the last shot over all threads ({@link ShotClock}); other threads: 0,
     * so that JMH's sum over threads is the shot's time.
     */
    public long shotNanos;

    private long atStart;

    @Setup(Level.Iteration)
    public void start(final ShotClock clock)
    {
        atStart = ThreadFaults.ofThisThread();
        clock.threadStarts(System.nanoTime());
    }

    @TearDown(Level.Iteration)
    public void stop(final ShotClock clock, final ThreadParams thread)
    {
        // After JMH's tear-down barrier: every thread has finished its batch.
        final long end = System.nanoTime();
        final long now = ThreadFaults.ofThisThread();
        pageFaults = now < 0 || atStart < 0 ? -1 : now - atStart;
        shotNanos = thread.getThreadIndex() == 0 ? clock.since(end) : 0;
    }
}
