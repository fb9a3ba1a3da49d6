package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Starts tailers of shard 0 at the newest record addresses two live writers publish, while they go on appending,
 * and checks that each tailer reads that very record first: at least 200 starts (2,000 tries), within a minute.
 */
final class LiveStarts
{
    /** Appends to the log until {@code stop}, publishing the address of each newest record in {@code latest}. */
    @FunctionalInterface
    interface Writer
    {
        void writeUntilStopped(Random random, AtomicLong latest, AtomicBoolean stop);
    }

    private LiveStarts()
    {
    }

    static void check(final ShardedWal wal, final Writer body) throws InterruptedException
    {
        final AtomicLong latest = new AtomicLong(-1);
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 2; w++)
        {
            final Random random = new Random(w);
            writers.add(Thread.ofPlatform().start(() ->
            {
                try
                {
                    body.writeUntilStopped(random, latest, stop);
                }
                catch (final RuntimeException | Error e)
                {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        final long deadline = System.nanoTime() + 60_000_000_000L;
        int started = 0;
        for (int i = 0; (i < 2_000 || started < 200) && System.nanoTime() < deadline; i++)
        {
            final long address = latest.get();
            if (address < 0)
            {
                continue;
            }
            started++;
            final List<Long> seen = new ArrayList<>();
            try (Tailer tailer = wal.tailer(0, RecordAddress.position(address)))
            {
                while (seen.isEmpty() && System.nanoTime() < deadline)
                {
                    tailer.poll(r -> seen.add(r.address()), 1);
                }
            }
            assertEquals(List.of(address), seen, "the first record read from " + RecordAddress.toString(address)
                + " is the one started at");
        }
        stop.set(true);
        for (final Thread writer : writers)
        {
            writer.join();
        }
        assertNull(failure.get(), "a writer failed");
        assertTrue(started >= 200, "tailers started: " + started);
    }
}
