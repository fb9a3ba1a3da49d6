package io.shardwal.ingest;

import java.util.concurrent.locks.LockSupport;

/**
 * The background thread of an {@link Ingest}: writes each batch whose first sample is {@code flushFrequency} old, and
 * tries again, at the same pace, batches whose write failed (so that ingest resumes by itself once, say, disk space
 * is freed). It takes only serializers that are free at that moment: one in use is written by its user if full, or
 * looked at again on the next round. A failed write is logged once per run of failures, with the error, and once
 * more when the batch is finally written.
 */
final class Flusher implements Runnable
{
    private static final System.Logger LOG = System.getLogger("io.shardwal");

    private final Ingest ingest;
    private final long frequencyNanos;
    private final boolean[] failing;
    private final long[] retryAt;

    Flusher(final Ingest ingest, final long frequencyNanos)
    {
        this.ingest = ingest;
        this.frequencyNanos = frequencyNanos;
        this.failing = new boolean[ingest.serializers().length];
        this.retryAt = new long[failing.length];
    }

    @Override
    public void run()
    {
        try
        {
            loop();
        }
        catch (final RuntimeException | Error e)
        {
            LOG.log(System.Logger.Level.ERROR, "shardwal: the ingest flusher stopped; batches are written only when "
                + "full, by flush() and by close() from now on", e);
            throw e;
        }
    }

    private void loop()
    {
        final long tick = Math.max(100_000L, frequencyNanos / 4);
        while (!ingest.isClosed())
        {
            final long now = System.nanoTime();
            for (final BatchingSerializer serializer : ingest.serializers())
            {
                if (isDue(serializer, now) && ingest.tryTake(serializer))
                {
                    try
                    {
                        if (!ingest.isClosed() && isDue(serializer, now))
                        {
                            write(serializer);
                        }
                    }
                    finally
                    {
                        ingest.give(serializer);
                    }
                }
            }
            LockSupport.parkNanos(this, tick);
        }
    }

    private boolean isDue(final BatchingSerializer serializer, final long now)
    {
        final long first = serializer.firstSampleNanos();
        return first != 0 && now - first >= frequencyNanos
            && (!failing[serializer.number()] || now - retryAt[serializer.number()] >= 0);
    }

    private void write(final BatchingSerializer serializer)
    {
        final int n = serializer.number();
        try
        {
            ingest.write(serializer);
            if (failing[n])
            {
                failing[n] = false;
                LOG.log(System.Logger.Level.INFO, "shardwal: ingest batch " + n + " written after earlier failures");
            }
        }
        catch (final RuntimeException e)
        {
            retryAt[n] = System.nanoTime() + frequencyNanos;
            if (!failing[n])
            {
                failing[n] = true;
                LOG.log(System.Logger.Level.WARNING, "shardwal: ingest batch " + n + " (" + serializer.samples()
                    + " samples) could not be written; kept, trying again every " + frequencyNanos / 1_000_000
                    + " ms: " + e.getMessage());
            }
        }
    }
}
