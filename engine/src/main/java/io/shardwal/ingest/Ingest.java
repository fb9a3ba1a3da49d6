package io.shardwal.ingest;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import io.shardwal.index.Labels;
import io.shardwal.index.SeriesIndex;
import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.PruneGuard;
import io.shardwal.wal.ShardedWal;

/**
 * The batching telemetry ingest front end: many threads {@link #send} samples; {@link IngestOptions#serializers()}
 * batches fill at once, and each is written to the log with one {@link ShardedWal#appendBatch} when it holds
 * {@link IngestOptions#maxSignalsInBatch()} samples or {@link IngestOptions#flushFrequency()} after its first one.
 * New series go into the index and, as a SERIES record before their first sample, into the log, from which
 * {@link IngestReplay} rebuilds both after a restart. Record format: {@link IngestRecords}.
 *
 * <p><b>Sending.</b> A send takes a free serializer (one no other thread is using), waiting at most
 * {@link IngestOptions#maxWaitTime()}, then fails with a {@link ShardwalException.Category#TIMEOUT} error and takes
 * nothing. It returns once the sample is in a batch; the thread that fills a batch writes it. A send that got a
 * serializer whose last write failed first writes that batch again, and if that fails too it throws the storage
 * error and takes nothing: storage errors reach senders, and an accepted sample is never dropped.
 *
 * <p><b>What a return promises.</b> {@link #send} alone promises nothing about the log. {@link #flush()} returns
 * once every sample sent before it (and its series definition) is appended with the log's batch promise (msynced
 * in STRICT and BATCH_ONLY mode, committed in ASYNC mode: call {@link ShardedWal#sync()} as well there), or throws
 * saying how many samples are still unwritten; they stay in their batches and are written by a later send, flush,
 * the background flusher or {@link #close()}.
 *
 * <p><b>Order.</b> All records of a series go to one shard. Each thread starts at a serializer of its own, so its
 * samples usually go through one batch, in send order; when that one is busy they go through another, and batches land
 * in the order they are written, so consumers that need time order sort by timestamp. A series' definition may land
 * after some of its samples (two threads, two serializers); {@link IngestReplay} reads definitions first for that
 * reason.
 *
 * <p><b>The index.</b> A series is defined in the log when a send's add indexed it
 * ({@link SeriesIndex#addSeries(Labels, SeriesIndex.NewSeriesListener)}): {@link io.shardwal.index.ShardedIndex}
 * tells exactly one of concurrent adds of a new series. Feed the index only through this class or
 * {@link IngestReplay}: a series added to it by other means would never be defined in the log. A definition
 * written twice (an index that tells more than once) is harmless: replay adds the same id again, which is ignored.
 *
 * <p><b>Pruning.</b> A series is defined in the log once, so prune through {@link #pruneBefore}, which writes the
 * definitions of the segments it deletes again first; {@link ShardedWal#pruneBefore} alone would leave the later
 * samples of those series without labels after a restart. That is why {@link #open} guards the log
 * ({@link PruneGuard}, owner {@value #GUARD_OWNER}): from then on a plain prune of it is refused, in this process
 * and in any later one, including {@code shardwal prune} without {@code --ingest}.
 *
 * <p>Thread-safe. Neither the log nor the index is owned: close them after this.
 */
public final class Ingest implements AutoCloseable
{
    /** The owner of the {@link PruneGuard} of an ingest log. */
    public static final String GUARD_OWNER = "ingest";

    private static final System.Logger LOG = System.getLogger("io.shardwal");
    /** How long a send that found every serializer busy parks before it looks again. */
    private static final long WAIT_STEP_NANOS = 50_000;

    private final ShardedWal wal;
    private final SeriesIndex index;
    private final IngestOptions options;
    private final BatchingSerializer[] serializers;
    private final long maxWaitNanos;
    private final Thread flusher;
    private final LongAdder samplesAccepted = new LongAdder();
    private final LongAdder samplesWritten = new LongAdder();
    private final LongAdder batchesWritten = new LongAdder();
    private final LongAdder seriesDefined = new LongAdder();
    private final LongAdder failedWrites = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final IngestLatencies latencies = new IngestLatencies();
    private volatile boolean closed;

    private Ingest(final ShardedWal wal, final SeriesIndex index, final IngestOptions options)
    {
        this.wal = wal;
        this.index = index;
        this.options = options;
        serializers = new BatchingSerializer[options.serializers()];
        for (int i = 0; i < serializers.length; i++)
        {
            serializers[i] = new BatchingSerializer(i, wal, options.maxSignalsInBatch());
        }
        maxWaitNanos = options.maxWaitTime().toNanos();
        flusher = Thread.ofPlatform().daemon().name("shardwal-ingest-flusher " + wal.directory().getFileName())
            .unstarted(new Flusher(this, options.flushFrequency().toNanos()));
    }

    /**
     * An ingest front end writing into {@code wal} and indexing into {@code index}; guards the log against plain
     * prunes ({@link PruneGuard}, once for good) and starts its flusher thread.
     *
     * @throws IllegalArgumentException if the log is read-only or its limits cannot hold ingest records.
     * @throws IllegalStateException    if the log is guarded by another owner than the ingest.
     * @throws ShardwalException        IO if the guard cannot be written; CORRUPT or FORMAT (naming the file) if the
     *                                  one there is unreadable.
     */
    public static Ingest open(final ShardedWal wal, final SeriesIndex index, final IngestOptions options)
    {
        Objects.requireNonNull(wal, "wal");
        Objects.requireNonNull(index, "index");
        Objects.requireNonNull(options, "options");
        if (wal.isReadOnly())
        {
            throw new IllegalArgumentException("the log in " + wal.directory() + " is open read-only: ingest writes");
        }
        if (wal.options().maxKeySize() < IngestRecords.KEY_LENGTH
            || wal.options().maxValueSize() < IngestRecords.SAMPLE_VALUE_LENGTH)
        {
            throw new IllegalArgumentException("the log in " + wal.directory() + " takes keys of at most "
                + wal.options().maxKeySize() + " bytes and values of at most " + wal.options().maxValueSize()
                + "; ingest records need " + IngestRecords.KEY_LENGTH + " and " + IngestRecords.SAMPLE_VALUE_LENGTH
                + " (more for series definitions)");
        }
        PruneGuard.install(wal, GUARD_OWNER, "series are defined in an ingest log once; prune it through "
            + "Ingest.pruneBefore or 'shardwal prune DIR --before ID --ingest', which write the definitions of the "
            + "segments to delete again first");
        final Ingest ingest = new Ingest(wal, index, options);
        ingest.flusher.start();
        return ingest;
    }

    public IngestOptions options()
    {
        return options;
    }

    /**
     * Sends one sample of the series {@code seriesLabels} (with {@code __name__}, as
     * {@link Sample#seriesLabels()} gives them).
     *
     * @throws IllegalArgumentException if the labels cannot be indexed or their definition exceeds the log's
     *                                  value limit; nothing was taken.
     * @throws ShardwalException        TIMEOUT if no serializer became free in time, or what writing a batch this send
     *                                  had to write threw; nothing was taken.
     * @throws IllegalStateException    if this ingest is closed.
     */
    public void send(final Labels seriesLabels, final long timestampMillis, final double value)
    {
        final BatchingSerializer serializer = acquire();
        try
        {
            take(serializer, seriesLabels, timestampMillis, value);
        }
        finally
        {
            release(serializer);
        }
    }

    /**
     * Sends the samples of one scrape through one serializer; those without a timestamp get
     * {@code scrapeTimeMillis}.
     *
     * @throws IllegalArgumentException naming the sample that was refused; the samples before it were taken, it and
     *                                  the ones after it were not. Other errors as {@link #send}.
     */
    public void sendAll(final List<Sample> samples, final long scrapeTimeMillis)
    {
        final BatchingSerializer serializer = acquire();
        try
        {
            for (int i = 0; i < samples.size(); i++)
            {
                final Sample sample = samples.get(i);
                final long time = sample.hasTimestamp() ? sample.timestampMillis() : scrapeTimeMillis;
                try
                {
                    take(serializer, sample.seriesLabels(), time, sample.value());
                }
                catch (final RuntimeException e)
                {
                    throw refused(i, samples.size(), e);
                }
            }
        }
        finally
        {
            release(serializer);
        }
    }

    private static RuntimeException refused(final int i, final int count, final RuntimeException e)
    {
        final String where = "sample " + (i + 1) + " of " + count + " was refused (the " + i + " before it were taken, "
            + "it and the " + (count - i - 1) + " after it were not): ";
        if (e instanceof ShardwalException s)
        {
            final String message = s.getMessage().startsWith(s.category() + ": ")
                ? s.getMessage().substring(s.category().name().length() + 2) : s.getMessage();
            return new ShardwalException(s.category(), where + message, null, ShardwalException.NO_OFFSET, e);
        }
        if (e instanceof IllegalStateException)
        {
            return new IllegalStateException(where + e.getMessage(), e);
        }
        return new IllegalArgumentException(where + e.getMessage(), e);
    }

    private void take(final BatchingSerializer serializer, final Labels labels, final long time, final double value)
    {
        if (serializer.failure() != null)
        {
            write(serializer);
        }
        // Everything that can refuse the sample happens before the index learns of the series.
        long bound = IngestRecords.seriesValueBound(labels);
        byte[] encoded = null;
        if (bound < 0 || bound > wal.options().maxValueSize())
        {
            encoded = definition(labels);
            bound = encoded.length;
        }
        if (!serializer.fits((int)bound))
        {
            write(serializer);
        }
        serializer.newSeries = false;
        final long id = index.addSeries(labels, serializer);
        final byte[] definition = !serializer.newSeries ? null
            : encoded != null ? encoded : IngestRecords.seriesValue(labels);
        serializer.add(id, definition, time, value);
        samplesAccepted.increment();
        if (definition != null)
        {
            seriesDefined.increment();
        }
        if (serializer.isFull())
        {
            try
            {
                write(serializer);
            }
            catch (final RuntimeException e)
            {
                // The sample is taken and stays in the batch; the next user of this serializer meets the error.
                LOG.log(System.Logger.Level.DEBUG, "shardwal: ingest batch write failed, kept for a retry", e);
            }
        }
    }

    private byte[] definition(final Labels labels)
    {
        final byte[] definition = IngestRecords.seriesValue(labels);
        if (definition.length > wal.options().maxValueSize())
        {
            throw new IllegalArgumentException("the definition of series " + labels + " takes " + definition.length
                + " bytes, more than the log's maxValueSize " + wal.options().maxValueSize());
        }
        return definition;
    }

    /** Writes the batch of a serializer this thread holds, counting the outcome. */
    void write(final BatchingSerializer serializer)
    {
        final long firstSample = serializer.firstSampleNanos();
        final long start = System.nanoTime();
        final int samples;
        try
        {
            samples = serializer.flush(wal);
        }
        catch (final RuntimeException e)
        {
            failedWrites.increment();
            throw e;
        }
        if (samples > 0)
        {
            final long end = System.nanoTime();
            latencies.batchWritten(end - start, end - firstSample);
            samplesWritten.add(samples);
            batchesWritten.increment();
        }
    }

    private BatchingSerializer acquire()
    {
        checkOpen();
        // Each thread starts at its own serializer: senders do not share a counter, and a thread's samples mostly
        // go through one batch, in send order.
        final int home = (int)Math.floorMod(Thread.currentThread().threadId(), (long)serializers.length);
        long deadline = 0;
        while (true)
        {
            for (int i = 0; i < serializers.length; i++)
            {
                final BatchingSerializer serializer = serializers[(home + i) % serializers.length];
                if (serializer.lock.tryLock())
                {
                    if (closed)
                    {
                        serializer.lock.unlock();
                        throw closedError();
                    }
                    if (deadline != 0)
                    {
                        latencies.sendWaited(System.nanoTime() - (deadline - maxWaitNanos));
                    }
                    return serializer;
                }
            }
            checkOpen();
            final long now = System.nanoTime();
            if (deadline == 0)
            {
                deadline = now + maxWaitNanos;
            }
            if (now - deadline >= 0)
            {
                timeouts.increment();
                throw new ShardwalException(ShardwalException.Category.TIMEOUT, "no ingest serializer became free "
                    + "within " + options.maxWaitTime() + ": all " + serializers.length + " were busy writing "
                    + "batches to " + wal.directory() + " (the log is slower than the senders); the sample was not "
                    + "taken");
            }
            if (Thread.currentThread().isInterrupted())
            {
                throw new IllegalStateException("interrupted while waiting for a free ingest serializer; the sample "
                    + "was not taken");
            }
            LockSupport.parkNanos(this, Math.min(WAIT_STEP_NANOS, deadline - now));
        }
    }

    private static void release(final BatchingSerializer serializer)
    {
        serializer.lock.unlock();
    }

    /**
     * The flusher's way in: takes {@code serializer} only if it is free now.
     *
     * @return whether this thread now holds it.
     */
    boolean tryTake(final BatchingSerializer serializer)
    {
        return serializer.lock.tryLock();
    }

    void give(final BatchingSerializer serializer)
    {
        release(serializer);
    }

    BatchingSerializer[] serializers()
    {
        return serializers;
    }

    /**
     * Writes every batch. Waits for serializers in use.
     *
     * @throws ShardwalException if a batch could not be written: how many samples are unwritten and why (the
     *                           first error as the cause, the others suppressed). They stay in their batches.
     */
    public void flush()
    {
        checkOpen();
        writeAll("flush");
    }

    private void writeAll(final String operation)
    {
        RuntimeException first = null;
        long unwritten = 0;
        int failedBatches = 0;
        for (final BatchingSerializer serializer : serializers)
        {
            serializer.lock.lock();
            try
            {
                write(serializer);
            }
            catch (final RuntimeException e)
            {
                unwritten += serializer.samples();
                failedBatches++;
                if (first == null)
                {
                    first = e;
                }
                else
                {
                    first.addSuppressed(e);
                }
            }
            finally
            {
                serializer.lock.unlock();
            }
        }
        if (first != null)
        {
            final ShardwalException.Category category = first instanceof ShardwalException s ? s.category()
                : ShardwalException.Category.FAILED;
            throw new ShardwalException(category, operation + " of the ingest into " + wal.directory() + ": "
                + unwritten + " samples in " + failedBatches + " batches are not written"
                + (closed ? " and are lost with this close" : " (kept; a later write retries them)")
                + ": " + first.getMessage(), null, ShardwalException.NO_OFFSET, first);
        }
    }

    /**
     * Deletes the segments below a checkpoint as {@link ShardedWal#pruneBefore} does, without leaving samples
     * above it without their series: the definitions in the deleted segments of every series the index still holds
     * are first written again at the head of the log and synced, then the segments are deleted. Prune a log this
     * ingest writes through this method: {@link ShardedWal#pruneBefore} alone deletes definitions that later
     * samples need, and {@link IngestReplay} then counts those samples as orphans. Reads the segments it deletes
     * once; one call at a time (they wait for each other and for {@link #close()}).
     *
     * @throws ShardwalException NOT_FOUND for an unknown checkpoint, FORMAT naming shard and position for a record
     *                           ingest did not write (nothing is deleted then), or what appending, syncing or
     *                           pruning threw: definitions written before the failure stay, nothing is lost.
     * @throws IllegalStateException if this ingest is closed.
     */
    public synchronized IngestPruneResult pruneBefore(final byte[] checkpointId)
    {
        checkOpen();
        return DefinitionCarry.pruneBefore(wal, index, checkpointId);
    }

    /** {@link #pruneBefore(byte[])} with the UTF-8 bytes of {@code checkpointId}. */
    public IngestPruneResult pruneBefore(final String checkpointId)
    {
        return pruneBefore(checkpointId.getBytes(StandardCharsets.UTF_8));
    }

    /** Counters and latencies since open. */
    public IngestStats stats()
    {
        long pending = 0;
        for (final BatchingSerializer serializer : serializers)
        {
            pending += serializer.samples();
        }
        final IngestLatencies.Snapshot latency = latencies.snapshot();
        return new IngestStats(samplesAccepted.sum(), samplesWritten.sum(), batchesWritten.sum(), seriesDefined.sum(),
            failedWrites.sum(), timeouts.sum(), pending, latency.batchWrites(), latency.batchAges(),
            latency.sendWaits());
    }

    boolean isClosed()
    {
        return closed;
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw closedError();
        }
    }

    private IllegalStateException closedError()
    {
        return new IllegalStateException("the ingest into " + wal.directory() + " is closed");
    }

    /**
     * Stops the flusher and writes every batch; idempotent. Sends racing it either complete before their batch is
     * written or fail as closed.
     *
     * @throws ShardwalException if a batch could not be written: how many samples are lost and why.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        // Woken, not interrupted: an interrupt could land in the middle of a batch's msync.
        LockSupport.unpark(flusher);
        boolean interrupted = false;
        while (flusher.isAlive())
        {
            try
            {
                flusher.join();
            }
            catch (final InterruptedException e)
            {
                interrupted = true;
            }
        }
        try
        {
            writeAll("close");
        }
        finally
        {
            if (interrupted)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString()
    {
        return "Ingest{" + wal.directory() + ", " + options + (closed ? ", closed" : "") + '}';
    }
}
