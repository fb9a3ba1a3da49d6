package io.shardwal.wal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.checkpoint.CheckpointLog;
import io.shardwal.metrics.LatencyRecording;
import io.shardwal.metrics.ShardMetrics;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.ShardwalException;
import io.shardwal.mmap.Uninterrupted;
import io.shardwal.route.Router;

/**
 * Opening and closing a log. Opening for writing checks the manifest before touching anything, takes the lock,
 * creates the log if asked, refuses a log that lost a shard's segment files (before creating or repairing
 * anything), reads the checkpoint log, recovers every shard from the latest checkpoint and starts the background
 * threads, undoing everything if any step fails. Closing stops the threads, syncs every shard, records a clean stop
 * and releases mappings and lock.
 *
 * <p>Opening and closing run with the caller's interrupt set aside ({@link Uninterrupted}) and restored after: they
 * go through FileChannels (LOCK, manifest, checkpoint log, segment files, msyncs), which an interrupted thread closes,
 * so an interrupt set beforehand would fail them half way (LOCK left saying recovering or open, a close not recorded
 * as clean) and be reported as IO.
 */
final class WalLifecycle
{
    private static final System.Logger LOG = System.getLogger("io.shardwal");

    private WalLifecycle()
    {
    }

    static ShardedWal openWritable(final WalOptions options) throws IOException
    {
        return Uninterrupted.call(() -> openWritableNow(options));
    }

    private static ShardedWal openWritableNow(final WalOptions options) throws IOException
    {
        final long started = System.nanoTime();
        final Path directory = options.directory();
        final boolean existed = exists(directory);
        if (existed)
        {
            Manifest.read(directory).check(options, directory);
        }
        else
        {
            refuseToCreate(options, directory);
            createDurably(directory);
        }
        final WalLock lock = WalLock.acquire(directory, existed);
        final int count = options.shardCount();
        final ShardSegments[] segments = new ShardSegments[count];
        final Shard[] shards = new Shard[count];
        final ShardMetrics[] metrics = new ShardMetrics[count];
        Housekeeping housekeeping = null;
        CheckpointLog checkpoints = null;
        try
        {
            if (exists(directory))
            {
                Manifest.read(directory).check(options, directory);
            }
            else
            {
                Manifest.of(options).writeTo(directory);
            }
            final Housekeeping[] late = new Housekeeping[1];
            for (int i = 0; i < count; i++)
            {
                segments[i] = new ShardSegments(i, ShardedWal.shardDirectory(directory, i), options.segmentSize(),
                    true, options.maxOpenReaderSegments());
                metrics[i] = new ShardMetrics(i, options.latencyRecording());
                shards[i] = new Shard(i, segments[i], options.segmentSize(), options.prepareAhead(), metrics[i],
                    () -> late[0].wakePreparer());
            }
            // Before any directory is created or file repaired: a refused open leaves the log as it found it
            refuseLostShards(segments, lock.previousStop() != WalLock.PreviousStop.NONE);
            createShardDirectories(directory, count);
            housekeeping = new Housekeeping(shards, directory.toString(), options.prepareAhead() > 0,
                new ClaimUnblocker(shards, metrics, directory.toString(), options.claimTimeout()),
                options.syncMode() == SyncMode.ASYNC ? options.syncInterval() : null);
            late[0] = housekeeping;
            checkpoints = CheckpointLog.open(directory, count, true);
            final Checkpoint latest = checkpoints.latest().orElse(null);
            final List<RecoveryReport.Repair> repairs = new ArrayList<>();
            for (final CheckpointLog.Problem problem : checkpoints.problems())
            {
                repairs.add(new RecoveryReport.Repair(RecoveryReport.CHECKPOINT_LOG, problem.offset(), problem.bytes(),
                    problem.kind(), problem.detail(), directory.resolve(CheckpointLog.FILE_NAME)));
            }
            final int[] repairsPerShard = new int[count];
            final List<RecoveryReport.ShardRecovery> recovered = WalRecovery.recoverAll(directory, shards, latest,
                directory.resolve(CheckpointLog.FILE_NAME), lock.previousStop(), recoveryThreads(options),
                options.progressInterval(), repairs, repairsPerShard);
            for (int i = 0; i < count; i++)
            {
                metrics[i].setRecoveryRepairs(repairsPerShard[i]);
            }
            final RecoveryReport report = new RecoveryReport(directory, lock.previousStop().name(),
                List.copyOf(repairs), List.copyOf(recovered), Duration.ofNanos(System.nanoTime() - started));
            lock.markRecovered();
            logRecovery(report);
            housekeeping.start();
            return ShardedWal.assemble(options, new Router(options.router(), options.routerSeed(), count), segments,
                shards, metrics, lock, housekeeping, report, checkpoints,
                new WalCheckpoints(directory, shards, checkpoints, options.commitWaitTimeout()));
        }
        catch (final IOException | RuntimeException | Error e)
        {
            // An interrupt that arrived while the background threads were stopped is the caller's, restored below
            final boolean interrupted = housekeeping != null && housekeeping.stop();
            if (checkpoints != null)
            {
                checkpoints.close();
            }
            for (final ShardSegments shard : segments)
            {
                if (shard != null)
                {
                    shard.close();
                }
            }
            try
            {
                lock.restoreAfterFailedOpen();
            }
            catch (final IOException suppressed)
            {
                e.addSuppressed(suppressed);
            }
            try
            {
                lock.close(); // even if the mark could not be restored: a lock kept would bar every later open
            }
            catch (final IOException suppressed)
            {
                e.addSuppressed(suppressed);
            }
            if (interrupted)
            {
                Thread.currentThread().interrupt();
            }
            throw e;
        }
    }

    /**
     * Opens the log in {@code directory} for reading only: reads its manifest, lists every shard's segment files and
     * reads its checkpoint log. Creates, locks, repairs and changes nothing, so it may run beside a writer in another
     * process, even one creating the log right now.
     *
     * @throws ShardwalException NOT_FOUND naming a shard without segment files in a log that may hold records (see
     *                           {@link #refuseLostShards}), CORRUPT for a manifest no log can have.
     */
    static ShardedWal openReadOnly(final Path directory) throws IOException
    {
        return Uninterrupted.call(() -> openReadOnlyNow(directory));
    }

    private static ShardedWal openReadOnlyNow(final Path directory) throws IOException
    {
        final Manifest manifest = Manifest.read(directory);
        final WalOptions options;
        try
        {
            options = WalOptions.builder(directory).shardCount(manifest.shardCount())
                .segmentSize(manifest.segmentSize()).router(manifest.router()).routerSeed(manifest.seed())
                .readOnly(true).createIfMissing(false).maxKeySize(0).maxValueSize(0)
                .latencyRecording(LatencyRecording.OFF).build();
        }
        catch (final IllegalArgumentException e)
        {
            // The settings come from the manifest, not from the caller: the manifest is what is wrong
            final Path file = directory.resolve(Manifest.FILE_NAME);
            throw new ShardwalException(ShardwalException.Category.CORRUPT, "manifest holds settings no log can "
                + "have: " + e.getMessage(), file, ShardwalException.NO_OFFSET, e);
        }
        final ShardSegments[] segments = new ShardSegments[options.shardCount()];
        final ShardMetrics[] metrics = new ShardMetrics[options.shardCount()];
        boolean everyShard = true;
        for (int i = 0; i < segments.length; i++)
        {
            segments[i] = new ShardSegments(i, ShardedWal.shardDirectory(directory, i), options.segmentSize(), false,
                options.maxOpenReaderSegments());
            segments[i].discover();
            everyShard &= !segments[i].isEmpty();
            metrics[i] = new ShardMetrics(i, options.latencyRecording());
        }
        if (!everyShard)
        {
            // A writer creating the log gives every shard its first segment before LOCK stops saying the creation did
            // not finish: with LOCK read after that listing and the shards listed again after LOCK, a shard still
            // empty then is lost, never one a creation running right now has yet to get to
            refuseLostShards(segments, WalLock.mayHaveOpened(directory));
        }
        final CheckpointLog checkpoints = CheckpointLog.open(directory, options.shardCount(), false);
        return ShardedWal.assemble(options, new Router(options.router(), options.routerSeed(), options.shardCount()),
            segments, null, metrics, null, null, null, checkpoints, null);
    }

    /**
     * Stops the background threads, syncs and closes every shard, records a clean stop (only if every shard synced)
     * and releases the lock; the first failure is rethrown after everything was released. The caller's interrupt is
     * set aside meanwhile, as {@link Uninterrupted} does (nothing here throws IOException): it would otherwise cut
     * the wait for the background threads short, and fail the final msyncs and the LOCK write. One that arrives while
     * the background threads are stopped does not cut that wait short either, and is kept for the caller too.
     */
    static void close(final Shard[] shards, final ShardSegments[] segments, final WalLock lock,
        final Housekeeping housekeeping, final CheckpointLog checkpoints, final Path directory)
    {
        boolean interrupted = Thread.interrupted();
        try
        {
            if (housekeeping != null)
            {
                // Waits through interrupts: one that arrives meanwhile is the caller's, not a failure of what follows
                interrupted |= housekeeping.stop();
            }
            closeNow(shards, segments, lock, checkpoints, directory);
        }
        finally
        {
            if (interrupted)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A close that lost the race returns once the winner's is over ({@code done}): "closed" means the lock is free. */
    static void awaitClosed(final CountDownLatch done)
    {
        boolean interrupted = false;
        while (true)
        {
            try
            {
                done.await();
                break;
            }
            catch (final InterruptedException e)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeNow(final Shard[] shards, final ShardSegments[] segments, final WalLock lock,
        final CheckpointLog checkpoints, final Path directory)
    {
        RuntimeException failure = null;
        boolean allSynced = true;
        if (shards != null)
        {
            for (final Shard shard : shards)
            {
                try
                {
                    shard.close();
                }
                catch (final RuntimeException e)
                {
                    allSynced = false;
                    failure = failure == null ? e : failure;
                }
            }
        }
        for (final ShardSegments shard : segments)
        {
            shard.close();
        }
        try
        {
            checkpoints.close();
            if (lock != null && allSynced)
            {
                lock.markClean();
            }
        }
        catch (final IOException e)
        {
            failure = failure == null ? new ShardwalException(ShardwalException.Category.IO, "cannot record the "
                + "clean close of " + directory + ": " + e, directory, ShardwalException.NO_OFFSET, e) : failure;
        }
        finally
        {
            failure = release(lock, directory, failure); // whatever failed above, the lock must not stay held
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    /** Releases {@code lock} (if any); returns {@code failure}, or the release's failure if there was none. */
    private static RuntimeException release(final WalLock lock, final Path directory, final RuntimeException failure)
    {
        if (lock == null)
        {
            return failure;
        }
        try
        {
            lock.close();
            return failure;
        }
        catch (final IOException e)
        {
            return failure != null ? failure : new ShardwalException(ShardwalException.Category.IO, "cannot release "
                + "the lock of " + directory + ": " + e, directory, ShardwalException.NO_OFFSET, e);
        }
    }

    /**
     * Lists every shard's segment files and refuses a log that may hold records but has a shard without any:
     * starting that shard anew would drop what it held without a word. Once an open of a log finished, every shard
     * had its first segment and appends could put records in any of them (all of them in the lost one, if every key
     * routes there): an empty shard is then a loss whatever the other shards hold. Only a log no open ever finished
     * ({@code LOCK} says its creation did not) never held a record: its missing shard directories and first segments
     * are the ones its creation did not get to, and this open creates them.
     *
     * @param opened whether an open of the log may have finished before, from {@code LOCK} read before the listing
     *               (false only while it says the log's creation did not finish).
     * @throws ShardwalException NOT_FOUND naming the first shard without segment files and its directory.
     */
    private static void refuseLostShards(final ShardSegments[] segments, final boolean opened) throws IOException
    {
        for (int i = 0; i < segments.length; i++)
        {
            segments[i].discover();
            if (opened && segments[i].isEmpty())
            {
                throw new ShardwalException(ShardwalException.Category.NOT_FOUND, "shard " + i + " has no segment "
                    + "files (its directory " + segments[i].directory() + " is missing or empty) while the log may "
                    + "hold records (an open of it finished before, so any shard may have held some): whatever the "
                    + "shard held is gone; refusing to start it anew (restore its files)",
                    segments[i].directory(), ShardwalException.NO_OFFSET);
            }
        }
    }

    /** A directory without a manifest gets a new log only if allowed and if it holds nothing of an old one. */
    private static void refuseToCreate(final WalOptions options, final Path directory) throws IOException
    {
        if (!options.createIfMissing())
        {
            throw new ShardwalException(ShardwalException.Category.NOT_FOUND, "no shardwal log in " + directory
                + " (no " + Manifest.FILE_NAME + ") and createIfMissing is off", directory,
                ShardwalException.NO_OFFSET);
        }
        if (!Files.isDirectory(directory))
        {
            if (Files.exists(directory))
            {
                throw new ShardwalException(ShardwalException.Category.FORMAT, directory + " exists and is not a "
                    + "directory", directory, ShardwalException.NO_OFFSET);
            }
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory))
        {
            for (final Path entry : entries)
            {
                final String name = entry.getFileName().toString();
                if (name.startsWith("shard_") || name.equals("checkpoints.log") || name.equals("HEAD"))
                {
                    throw new ShardwalException(ShardwalException.Category.CORRUPT, directory + " holds " + name
                        + " but no " + Manifest.FILE_NAME + ": the manifest of an existing log is missing; refusing "
                        + "to create a new log over it (restore the manifest, or choose an empty directory)",
                        directory.resolve(Manifest.FILE_NAME), ShardwalException.NO_OFFSET);
                }
            }
        }
    }

    /**
     * Creates {@code directory} (and missing parents) and fsyncs the parent of each directory it created, so that
     * a log whose first records were msynced cannot lose its directory entry to a power failure.
     */
    private static void createDurably(final Path directory) throws IOException
    {
        Path created = directory.toAbsolutePath();
        if (Files.isDirectory(created))
        {
            return;
        }
        Path firstMissing = created;
        while (firstMissing.getParent() != null && !Files.exists(firstMissing.getParent()))
        {
            firstMissing = firstMissing.getParent();
        }
        Files.createDirectories(created);
        while (true)
        {
            MappedSegment.syncDirectory(created.getParent());
            if (created.equals(firstMissing))
            {
                return;
            }
            created = created.getParent();
        }
    }

    /**
     * Creates the shard directories that do not exist yet, then fsyncs the log's directory once: each segment
     * creation fsyncs its shard directory, but the shard directory's own entry must be durable too before an
     * msynced record in it can be called durable.
     */
    private static void createShardDirectories(final Path directory, final int count) throws IOException
    {
        boolean created = false;
        for (int i = 0; i < count; i++)
        {
            final Path shard = ShardedWal.shardDirectory(directory, i);
            if (!Files.isDirectory(shard))
            {
                Files.createDirectories(shard);
                created = true;
            }
        }
        if (created)
        {
            MappedSegment.syncDirectory(directory);
        }
    }

    private static int recoveryThreads(final WalOptions options)
    {
        final int threads = options.recoveryThreads();
        return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    }

    private static void logRecovery(final RecoveryReport report)
    {
        LOG.log(report.clean() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, report.summary());
    }

    private static boolean exists(final Path directory)
    {
        return Files.exists(directory.resolve(Manifest.FILE_NAME));
    }

    static long join(final Future<Long> result)
    {
        try
        {
            return result.get();
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new ShardwalException(ShardwalException.Category.TIMEOUT, "interrupted while replaying");
        }
        catch (final ExecutionException e)
        {
            if (e.getCause() instanceof RuntimeException runtime)
            {
                throw runtime;
            }
            if (e.getCause() instanceof Error error)
            {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
