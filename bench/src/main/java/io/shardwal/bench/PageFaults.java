package io.shardwal.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Page faults a writer thread takes during a shot, from the kernel's per-thread counters
 * ({@code /proc/thread-self/stat}: minor + major faults), reported by JMH as the secondary result
 * {@value #RESULT} (summed over threads). It shows that a "warm" benchmark takes no fault and a "cold" one takes
 * one per page it writes.
 *
 * <p>Make it the <em>first</em> parameter of the benchmark method: JMH runs the iteration set-ups of a method's
 * states in reverse parameter order and the tear-downs in parameter order, so the count then starts after every
 * other set-up and stops before every other tear-down. Reads -1 where the kernel does not provide the counters.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class PageFaults
{
    /** Name of the secondary result (package-private: public fields of an aux-counter class must be counters). */
    static final String RESULT = "pageFaults";

    private static final Path STAT = Path.of("/proc/thread-self/stat");
    private static final int MINOR_FAULTS = 7;
    private static final int MAJOR_FAULTS = 9;

    /** Faults of this thread in the last shot; JMH reads it after the tear-downs. */
    public long pageFaults;

    private long atStart;

    @Setup(Level.Iteration)
    public void start()
    {
        atStart = faultsOfThisThread();
    }

    @TearDown(Level.Iteration)
    public void stop()
    {
        final long now = faultsOfThisThread();
        pageFaults = now < 0 || atStart < 0 ? -1 : now - atStart;
    }

    /** Minor plus major faults of the calling thread so far, or -1. */
    static long faultsOfThisThread()
    {
        try
        {
            final String stat = new String(Files.readAllBytes(STAT), StandardCharsets.US_ASCII);
            // Fields after the command name, which is in parentheses and may contain spaces: state is the first.
            final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[MINOR_FAULTS]) + Long.parseLong(fields[MAJOR_FAULTS]);
        }
        catch (final IOException | RuntimeException e)
        {
            return -1;
        }
    }
}
