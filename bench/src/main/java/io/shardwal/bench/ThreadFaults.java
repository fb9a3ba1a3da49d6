package io.shardwal.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The calling thread's page faults from the kernel's per-thread counters ({@code /proc/thread-self/stat}: minor +
 * major faults). Apart from {@link PageFaults} because JMH reports every public method of an aux-counter class.
 */
public final class ThreadFaults
{
    private static final Path STAT = Path.of("/proc/thread-self/stat");
    private static final int MINOR_FAULTS = 7;
    private static final int MAJOR_FAULTS = 9;

    private ThreadFaults()
    {
    }

    /** Minor plus major faults of the calling thread so far, or -1 where the kernel does not provide them. */
    public static long ofThisThread()
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
