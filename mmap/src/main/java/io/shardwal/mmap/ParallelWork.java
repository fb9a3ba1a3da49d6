package io.shardwal.mmap;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Work over independent parts (a log's shards) on a few threads at once, for jobs that change or check files: every
 * part runs once, the caller returns only once all have ended, and failures are reported in part order.
 *
 * <p><b>Threads.</b> Stateless; each call starts its own threads and ends them before it returns.
 */
public final class ParallelWork
{
    /** The work on one part; may fail with an IOException. */
    @FunctionalInterface
    public interface Part
    {
        void run(int index) throws IOException;
    }

    private ParallelWork()
    {
    }

    /**
     * Runs {@code part} for every index in {@code [0, count)}, each once, on the calling thread and up to
     * {@code threads - 1} new platform threads named {@code name-1, name-2, ...}; with one thread, or one part, all on
     * the calling thread. Returns once every part has ended, waiting through interrupts (the caller's interrupt is
     * restored after): a part left running would go on changing files after the caller gave up. A part that fails
     * does not stop the others.
     *
     * @throws IOException or an unchecked exception or error: the failure of the lowest failed index, with those of
     *                     the others added to it as suppressed.
     */
    public static void run(final int count, final int threads, final String name, final Part part) throws IOException
    {
        if (count < 0 || threads < 1)
        {
            throw new IllegalArgumentException("parallel work needs a count of at least 0 and at least 1 thread, not "
                + count + " and " + threads);
        }
        final Throwable[] failures = new Throwable[count];
        final AtomicInteger next = new AtomicInteger();
        final Runnable worker = () ->
        {
            for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement())
            {
                try
                {
                    part.run(i);
                }
                catch (final IOException | RuntimeException | Error e)
                {
                    failures[i] = e;
                }
            }
        };
        final List<Thread> started = new ArrayList<>();
        for (int t = 1; t < Math.min(threads, count); t++)
        {
            try
            {
                started.add(Thread.ofPlatform().name(name + "-" + t).daemon(true).start(worker));
            }
            catch (final OutOfMemoryError e)
            {
                break; // no more threads to be had: the parts all still run, on the threads there are
            }
        }
        worker.run();
        joinAll(started);
        throwFirst(failures);
    }

    private static void joinAll(final List<Thread> threads)
    {
        boolean interrupted = false;
        for (final Thread thread : threads)
        {
            while (thread.isAlive())
            {
                try
                {
                    thread.join();
                }
                catch (final InterruptedException e)
                {
                    interrupted = true;
                }
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void throwFirst(final Throwable[] failures) throws IOException
    {
        Throwable first = null;
        for (final Throwable failure : failures)
        {
            if (failure == null)
            {
                continue;
            }
            if (first == null)
            {
                first = failure;
            }
            else
            {
                first.addSuppressed(failure);
            }
        }
        switch (first)
        {
            case null -> { }
            case IOException e -> throw e;
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> throw new IllegalStateException(first); // parts throw nothing else
        }
    }
}
