package io.shardwal.nativetests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.Tailer;
import io.shardwal.wal.WalRecord;

/**
 * Child JVM: opens the log in {@code dir} read-only (no lock, another process writes it), puts a {@link Tailer} on
 * every shard from position 0, prints {@code READY}, then follows the writer live, across segment rolls and writer
 * restarts. For every record it prints {@code R <shard> <position> <writer> <seq>} after checking the content with
 * {@link RecordScheme} ({@code BAD ...} if the bytes are not what was written). When stdin says {@code STOP} (or
 * ends) it drains what is committed, prints {@code END <records>} and exits 0; a shardwal error prints
 * {@code ERROR <category> <message>} and exits 0 too, so that the parent sees it as a finding, not a crash.
 */
public final class TailingChild
{
    private static volatile boolean stopRequested;

    private TailingChild()
    {
    }

    public static void main(final String[] argv) throws Exception
    {
        final ChildArgs args = ChildArgs.parse(argv);
        final Path dir = args.path("dir");
        final RecordScheme scheme = new RecordScheme(args.number("seed", 0));
        awaitManifest(dir);
        Thread.ofPlatform().daemon().name("stdin").start(TailingChild::watchStdin);
        long total = 0;
        try (ShardedWal wal = ShardedWal.openReadOnly(dir))
        {
            final Tailer[] tailers = new Tailer[wal.shardCount()];
            for (int shard = 0; shard < tailers.length; shard++)
            {
                tailers[shard] = wal.tailer(shard, 0);
            }
            ChildOutput.line("READY");
            final StringBuilder out = new StringBuilder();
            boolean draining = false;
            while (true)
            {
                int round = 0;
                for (final Tailer tailer : tailers)
                {
                    round += tailer.poll(record -> report(scheme, record, out), 512);
                }
                if (!out.isEmpty())
                {
                    ChildOutput.print(out.toString());
                    out.setLength(0);
                }
                total += round;
                if (round == 0)
                {
                    if (draining)
                    {
                        break;
                    }
                    draining = stopRequested;
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
                }
            }
            for (final Tailer tailer : tailers)
            {
                tailer.close();
            }
        }
        catch (final ShardwalException e)
        {
            ChildOutput.line("ERROR " + e.category() + " " + e.getMessage().replace('\n', ' '));
        }
        ChildOutput.line("END " + total);
        System.exit(0);
    }

    private static void report(final RecordScheme scheme, final WalRecord record, final StringBuilder out)
    {
        final RecordScheme.Decoded decoded = scheme.decode(record);
        if (decoded.ok())
        {
            out.append("R ").append(record.shard()).append(' ').append(record.position()).append(' ')
                .append(decoded.writer()).append(' ').append(decoded.seq()).append('\n');
        }
        else
        {
            out.append("BAD ").append(record).append(' ').append(decoded.problem().replace('\n', ' ')).append('\n');
        }
    }

    private static void awaitManifest(final Path dir) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(dir.resolve("wal.manifest")) && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
    }

    private static void watchStdin()
    {
        try
        {
            final byte[] buffer = new byte[256];
            final StringBuilder line = new StringBuilder();
            int read;
            while ((read = System.in.read(buffer)) >= 0)
            {
                line.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
                if (line.indexOf("STOP") >= 0)
                {
                    break;
                }
            }
        }
        catch (final IOException e)
        {
            // stdin is gone: the parent wants us to stop
        }
        stopRequested = true;
    }
}
