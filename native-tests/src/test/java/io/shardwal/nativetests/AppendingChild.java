package io.shardwal.nativetests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.Tailer;
import io.shardwal.wal.WalBatch;
import io.shardwal.wal.WalClaim;
import io.shardwal.wal.WalOptions;

/**
 * Child JVM: opens (and so recovers) a log, prints the recovery summary and {@code OPENED}, then appends with
 * several writer threads, each following its {@link OpPlan} with {@link RecordScheme} content, and prints one
 * {@code A <writer> <seq> <address>} line per record only after its append returned. Any unexpected exception
 * prints {@code X ...} and halts the JVM with code 3.
 *
 * <p>Arguments ({@code name=value}): {@code dir mode shards segment threads firstWriter seed} and optionally
 * {@code awaitOpen} (start, print {@code READY}, and open only when stdin says {@code OPEN}: lets a parent start
 * the JVM ahead of time), {@code prepare} (segments prepared ahead), {@code rate} (records per second per thread,
 * 0 = as fast as possible), {@code records} (per thread, 0 = until killed), {@code go} (wait for a {@code GO} line
 * on stdin before appending), {@code tail} (also read every shard live on one more thread), {@code checkpointPause}
 * (also create checkpoints, compact and prune on one more thread, pausing this many microseconds on average between
 * operations: {@link Checkpointer}), {@code syncPause} (also call {@code sync()} on one more thread about every this
 * many milliseconds, printing {@code SB} before and {@code SE} after), {@code then} ({@code idle}:
 * print {@code DONE} and wait to be killed; {@code close}: print {@code DONE}, wait for stdin to end, close the
 * log, print {@code CLOSED} and exit 0; {@code race-close}: when stdin says {@code CLOSE}, close the log while
 * the threads run — each must stop with a CLOSED error, printing {@code STOPPED <who> CLOSED} — then print
 * {@code CLOSED}, {@code DONE} and exit 0).
 */
public final class AppendingChild
{
    private final ShardedWal wal;
    private final RecordScheme scheme;
    private final long rate;
    private final long records;
    private volatile boolean closing;

    private AppendingChild(final ShardedWal wal, final RecordScheme scheme, final long rate, final long records)
    {
        this.wal = wal;
        this.scheme = scheme;
        this.rate = rate;
        this.records = records;
    }

    public static void main(final String[] argv) throws Exception
    {
        final ChildArgs args = ChildArgs.parse(argv);
        final WalOptions options = options(args);
        final BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (args.flag("awaitOpen"))
        {
            preload();
            ChildOutput.line("READY");
            awaitLine(stdin, "OPEN");
        }
        final ShardedWal wal;
        try
        {
            wal = ShardedWal.open(options);
        }
        catch (final RuntimeException e)
        {
            ChildOutput.fail("open", e, 3);
            return;
        }
        ChildOutput.print(RecoverySummary.of(wal.recoveryReport()).toLines() + "OPENED\n");
        if (args.flag("go"))
        {
            awaitLine(stdin, "GO");
        }
        final AppendingChild child = new AppendingChild(wal, new RecordScheme(args.number("seed", 0)),
            args.number("rate", 0), args.number("records", 0));
        final List<Thread> threads = child.start(args.integer("firstWriter", 0), args.integer("threads", 3),
            args.flag("tail"));
        final long checkpointPause = args.number("checkpointPause", 0);
        if (checkpointPause > 0)
        {
            threads.add(Thread.ofPlatform().name("checkpointer").start(new Checkpointer(wal,
                args.integer("firstWriter", 0), args.number("seed", 0), checkpointPause)));
        }
        final long syncPause = args.number("syncPause", 0);
        if (syncPause > 0)
        {
            threads.add(Thread.ofPlatform().name("syncer").start(() -> child.syncLoop(syncPause)));
        }
        final String then = args.string("then", "idle");
        if (then.equals("race-close"))
        {
            awaitLine(stdin, "CLOSE");
            child.closing = true;
            wal.close();
            ChildOutput.line("CLOSED");
        }
        for (final Thread thread : threads)
        {
            thread.join();
        }
        ChildOutput.line("DONE");
        if (then.equals("close"))
        {
            while (stdin.readLine() != null)
            {
                // wait for the parent to close our stdin
            }
            wal.close();
            ChildOutput.line("CLOSED");
        }
        if (!then.equals("idle"))
        {
            System.exit(0);
        }
        while (true)
        {
            Thread.sleep(Duration.ofHours(1));
        }
    }

    private List<Thread> start(final int firstWriter, final int writers, final boolean tail)
    {
        final List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < writers; t++)
        {
            final int writer = firstWriter + t;
            threads.add(Thread.ofPlatform().name("writer-" + writer).start(() -> write(writer)));
        }
        if (tail)
        {
            threads.add(Thread.ofPlatform().name("tailer").start(this::tail));
        }
        return threads;
    }

    static WalOptions options(final ChildArgs args)
    {
        return WalOptions.builder(args.path("dir"))
            .shardCount(args.integer("shards", 4))
            .segmentSize(args.number("segment", 64 * 1024))
            .syncMode(SyncMode.valueOf(args.string("mode", "STRICT")))
            .syncInterval(Duration.ofMillis(args.number("syncMillis", 5)))
            .prepareAhead(args.integer("prepare", 1))
            .build();
    }

    /**
     * Loads and initialises the classes an open and the first appends need, so that a child started ahead of time
     * spends its time before {@code OPEN}, not after. Best effort: a class that is not there is skipped.
     */
    private static void preload()
    {
        final String[] names = {"io.shardwal.mmap.Natives", "io.shardwal.mmap.MappedSegment",
            "io.shardwal.mmap.SegmentAppender", "io.shardwal.mmap.SegmentScanner", "io.shardwal.mmap.FrameReader",
            "io.shardwal.mmap.Checksummer", "io.shardwal.wal.ShardedWal", "io.shardwal.wal.WalOpener",
            "io.shardwal.wal.WalRecovery", "io.shardwal.wal.WalLock", "io.shardwal.wal.Manifest",
            "io.shardwal.wal.Shard", "io.shardwal.wal.ShardSegments", "io.shardwal.wal.Housekeeping",
            "io.shardwal.wal.GroupCommit", "io.shardwal.wal.RecoveryReport", "io.shardwal.wal.WalBatch",
            "io.shardwal.checkpoint.CheckpointLog", "io.shardwal.checkpoint.CheckpointDescriptor",
            "io.shardwal.checkpoint.HeadFile", "io.shardwal.wal.WalCheckpoints"};
        for (final String name : names)
        {
            try
            {
                Class.forName(name, true, AppendingChild.class.getClassLoader());
            }
            catch (final ClassNotFoundException | LinkageError e)
            {
                // only a head start; the open loads whatever it needs
            }
        }
        new RecordScheme(0).value(0, 0);
        System.getLogger("io.shardwal").isLoggable(System.Logger.Level.INFO);
    }

    private static void awaitLine(final BufferedReader stdin, final String expected) throws IOException
    {
        String line;
        while ((line = stdin.readLine()) != null)
        {
            if (line.equals(expected))
            {
                return;
            }
        }
        throw new IllegalStateException("stdin ended before " + expected);
    }

    private void write(final int writer)
    {
        try
        {
            final OpPlan plan = new OpPlan(scheme.seed(), writer);
            final WalBatch batch = wal.newBatch();
            final WalClaim claim = new WalClaim();
            final long nanosPerRecord = rate > 0 ? 1_000_000_000L / rate : 0;
            long due = System.nanoTime();
            long written = 0;
            while (records == 0 || written < records)
            {
                final OpPlan.Op op = plan.next();
                perform(writer, op, batch, claim);
                written += op.size();
                if (nanosPerRecord > 0)
                {
                    due += nanosPerRecord * op.size();
                    final long ahead = due - System.nanoTime();
                    if (ahead > 0)
                    {
                        LockSupport.parkNanos(ahead);
                    }
                }
            }
        }
        catch (final ShardwalException e)
        {
            stoppedByClose("writer " + writer, e);
        }
        catch (final Throwable t)
        {
            ChildOutput.fail("writer " + writer, t, 3);
        }
    }

    /**
     * Calls {@link ShardedWal#sync()} every {@code pauseMillis} or so, printing {@code SB} before and {@code SE}
     * after: every record whose ack line came before an {@code SB} is durable once its {@code SE} is printed.
     */
    private void syncLoop(final long pauseMillis)
    {
        try
        {
            while (true)
            {
                Thread.sleep(1 + (System.nanoTime() >>> 10) % (2 * pauseMillis));
                ChildOutput.line("SB");
                wal.sync();
                ChildOutput.line("SE");
            }
        }
        catch (final ShardwalException e)
        {
            stoppedByClose("syncer", e);
        }
        catch (final Throwable t)
        {
            ChildOutput.fail("syncer", t, 3);
        }
    }

    /** Reads every shard live while the writers append, checking each record, until the log is closed. */
    private void tail()
    {
        final Tailer[] tailers = new Tailer[wal.shardCount()];
        try
        {
            for (int shard = 0; shard < tailers.length; shard++)
            {
                tailers[shard] = wal.tailer(shard, 0);
            }
            while (true)
            {
                int read = 0;
                for (final Tailer tailer : tailers)
                {
                    read += tailer.poll(record ->
                    {
                        final RecordScheme.Decoded decoded = scheme.decode(record);
                        if (!decoded.ok())
                        {
                            throw new IllegalStateException(record + ": " + decoded.problem());
                        }
                    }, 256);
                }
                if (read == 0)
                {
                    LockSupport.parkNanos(100_000);
                }
            }
        }
        catch (final ShardwalException e)
        {
            stoppedByClose("tailer", e);
        }
        catch (final Throwable t)
        {
            ChildOutput.fail("tailer", t, 3);
        }
    }

    /** A CLOSED error after the close began is the documented outcome; anything else is a failure. */
    private void stoppedByClose(final String who, final ShardwalException e)
    {
        if (closing && e.category() == ShardwalException.Category.CLOSED)
        {
            ChildOutput.line("STOPPED " + who + " " + e.category());
            return;
        }
        ChildOutput.fail(who, e, 3);
    }

    private void perform(final int writer, final OpPlan.Op op, final WalBatch batch, final WalClaim claim)
    {
        final long seq = op.firstSeq();
        switch (op.kind())
        {
            case SINGLE ->
            {
                final long address = wal.append(scheme.key(writer, seq), scheme.value(writer, seq));
                ChildOutput.print(AckLog.line(writer, seq, address));
            }
            case CLAIM, ABORTED_CLAIM ->
            {
                final byte[] value = scheme.value(writer, seq);
                final long address = wal.tryClaim(scheme.key(writer, seq), value.length, claim);
                claim.putValue(0, value, 0, value.length);
                if (op.kind() == OpPlan.Kind.ABORTED_CLAIM)
                {
                    claim.abort();
                    return;
                }
                final long committed = claim.commit();
                if (committed != address)
                {
                    throw new IllegalStateException("tryClaim returned " + address + " but commit " + committed);
                }
                ChildOutput.print(AckLog.line(writer, seq, address));
            }
            case BATCH ->
            {
                batch.clear();
                for (long s = seq; s < op.endSeq(); s++)
                {
                    batch.add(scheme.key(writer, s), scheme.value(writer, s));
                }
                wal.appendBatch(batch);
                final StringBuilder acks = new StringBuilder();
                for (int i = 0; i < op.size(); i++)
                {
                    acks.append(AckLog.line(writer, seq + i, batch.address(i)));
                }
                ChildOutput.print(acks.toString());
            }
        }
    }
}
