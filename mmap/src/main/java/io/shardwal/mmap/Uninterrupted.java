package io.shardwal.mmap;

import java.io.IOException;

/**
 * Runs a durability step — file writes, forces, renames, directory syncs — with the calling thread's interrupt set
 * aside, and restores it after.
 *
 * <p>A {@link java.nio.channels.FileChannel} used by an interrupted thread closes itself and throws
 * {@link java.nio.channels.ClosedByInterruptException}. A step that had already changed the disk (segment files
 * deleted, a checkpoint entry written) would then report IO for what did happen, stop short of what makes it
 * durable (the directory sync, the HEAD replacement), and a long-lived channel would be closed for good. An interrupt
 * is a request to the caller's own code, not a device error: the step runs as if none were set, and the caller
 * finds it set when the step returns or throws. An interrupt that arrives while the step runs (from another thread)
 * still fails it.
 *
 * <p><b>Threads.</b> Stateless; acts on the calling thread only.
 */
public final class Uninterrupted
{
    /** A step that returns a value and may fail with an IOException. */
    @FunctionalInterface
    public interface IoCall<T>
    {
        T call() throws IOException;
    }

    /** A step that may fail with an IOException. */
    @FunctionalInterface
    public interface IoRun
    {
        void run() throws IOException;
    }

    private Uninterrupted()
    {
    }

    /** Runs {@code step} with the caller's interrupt set aside; returns its value. */
    public static <T> T call(final IoCall<T> step) throws IOException
    {
        final boolean interrupted = Thread.interrupted();
        try
        {
            return step.call();
        }
        finally
        {
            if (interrupted)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Runs {@code step} with the caller's interrupt set aside. */
    public static void run(final IoRun step) throws IOException
    {
        call(() ->
        {
            step.run();
            return null;
        });
    }
}
