package io.shardwal.wal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import io.shardwal.metrics.ShardMetrics;
import io.shardwal.mmap.ShardwalException;
import io.shardwal.route.Router;

/**
 * Opening a log for writing: check the manifest before touching anything, take the lock, create the log if
 * asked, recover every shard from its latest checkpoint, start the background threads. Undoes everything it did
 * if any step fails.
 */
final class WalOpener
{
    private WalOpener()
    {
    }

    static ShardedWal openWritable(final WalOptions options) throws IOException
    {
        final long started = System.nanoTime();
        final Path directory = options.directory();
        final boolean existed = ShardedWal.exists(directory);
        if (existed)
        {
            Manifest.read(directory).check(options, directory);
        }
        else
        {
            refuseToCreate(options, directory);
            Files.createDirectories(directory);
        }
        final WalLock lock = WalLock.acquire(directory);
        final int count = options.shardCount();
        final ShardSegments[] segments = new ShardSegments[count];
        final Shard[] shards = new Shard[count];
        final ShardMetrics[] metrics = new ShardMetrics[count];
        Housekeeping housekeeping = null;
        try
        {
            if (ShardedWal.exists(directory))
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
            housekeeping = new Housekeeping(shards, directory.toString(), options.prepareAhead() > 0,
                options.syncMode() == SyncMode.ASYNC ? options.syncInterval() : null);
            late[0] = housekeeping;
            final long[] startPositions = CheckpointStarts.load(directory, count);
            final List<RecoveryReport.Repair> repairs = new ArrayList<>();
            final List<RecoveryReport.ShardRecovery> recovered = new ArrayList<>();
            for (int i = 0; i < count; i++)
            {
                final int before = repairs.size();
                recovered.add(WalRecovery.recover(shards[i], startPositions[i], lock.previousStop(), repairs));
                metrics[i].setRecoveryRepairs(repairs.size() - before);
            }
            final RecoveryReport report = new RecoveryReport(directory, lock.previousStop().name(),
                List.copyOf(repairs), List.copyOf(recovered), ShardedWal.since(started));
            ShardedWal.logRecovery(report);
            housekeeping.start();
            return ShardedWal.assemble(options, new Router(options.router(), options.routerSeed(), count), segments,
                shards, metrics, lock, housekeeping, report);
        }
        catch (final IOException | RuntimeException | Error e)
        {
            if (housekeeping != null)
            {
                housekeeping.close();
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
                lock.close();
            }
            catch (final IOException suppressed)
            {
                e.addSuppressed(suppressed);
            }
            throw e;
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
