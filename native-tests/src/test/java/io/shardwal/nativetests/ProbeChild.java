package io.shardwal.nativetests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;

/**
 * Child JVM for the short cross-process checks; {@code do=} picks one:
 * <ul>
 *   <li>{@code hold}: open {@code dir} for writing (with {@code awaitOpen}: print {@code READY} first and open
 *       when stdin says {@code OPEN}). Refused: print {@code REFUSED <category> <message>}, exit 0.
 *       Opened: print {@code OPENED}, append {@code records} records of {@code writer} (acked as usual), print
 *       {@code HOLDING}, wait for stdin to end, close, print {@code CLOSED}, exit 0.</li>
 *   <li>{@code read}: open {@code dir} read-only and read every shard, checking each record's content; print
 *       {@code SHARD <shard> <records>} per shard, or on a shardwal error {@code ERROR <category> <message>};
 *       exit 0 either way.</li>
 *   <li>{@code shrink}: open {@code dir} read-only, read every shard, cut {@code file} to {@code length} bytes
 *       while the reader still maps it, read every shard again; print {@code READ <first> <second>} (records per
 *       pass), or {@code ERROR <category> <message>} for a shardwal error, or {@code THROWN <throwable>} for any
 *       other; exit 0.</li>
 *   <li>{@code crash}: crashes the JVM with a SIGSEGV (for the harness's own test).</li>
 *   <li>{@code partial}: prints an ack line without its newline, as a SIGKILL can leave one, and waits.</li>
 *   <li>{@code flood}: prints {@code FIRST}, waits for {@code GO} on stdin, prints {@code lines} ack lines one write
 *       each, creates the file {@code marker} and waits (for the harness's own test).</li>
 *   <li>{@code roundtrip}: create a log in {@code dir}, append {@code records} records across many segment rolls,
 *       sync, close, reopen, read them back; print {@code OK <records read back>}, exit 0.</li>
 * </ul>
 * Anything unexpected prints {@code X ...} and exits 3.
 */
public final class ProbeChild
{
    private ProbeChild()
    {
    }

    public static void main(final String[] argv)
    {
        final ChildArgs args = ChildArgs.parse(argv);
        try
        {
            switch (args.string("do"))
            {
                case "hold" -> hold(args);
                case "read" -> read(args);
                case "roundtrip" -> roundtrip(args);
                case "shrink" -> shrink(args);
                case "crash" -> crash();
                case "partial" -> partial();
                case "flood" -> flood(args);
                default -> throw new IllegalArgumentException("unknown do=" + args.string("do"));
            }
        }
        catch (final Throwable t)
        {
            ChildOutput.fail(args.string("do"), t, 3);
        }
        System.exit(0);
    }

    static WalOptions options(final ChildArgs args)
    {
        return WalOptions.builder(args.path("dir")).shardCount(args.integer("shards", 4))
            .segmentSize(args.number("segment", 64 * 1024)).syncMode(SyncMode.valueOf(args.string("mode", "STRICT")))
            .build();
    }

    private static void hold(final ChildArgs args) throws Exception
    {
        final BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (args.flag("awaitOpen"))
        {
            WalOptions.builder(args.path("dir")).build();
            ChildOutput.line("READY");
            if (!"OPEN".equals(stdin.readLine()))
            {
                throw new IllegalStateException("expected OPEN on stdin");
            }
        }
        final ShardedWal wal;
        try
        {
            wal = ShardedWal.open(options(args));
        }
        catch (final ShardwalException e)
        {
            ChildOutput.line("REFUSED " + e.category() + " " + e.getMessage().replace('\n', ' '));
            return;
        }
        ChildOutput.line("OPENED");
        final RecordScheme scheme = new RecordScheme(args.number("seed", 0));
        final int writer = args.integer("writer", 0);
        for (long seq = 0; seq < args.number("records", 0); seq++)
        {
            final long address = wal.append(scheme.key(writer, seq), scheme.value(writer, seq));
            ChildOutput.print(AckLog.line(writer, seq, address));
        }
        ChildOutput.line("HOLDING");
        while (stdin.readLine() != null)
        {
            // held until the parent closes our stdin
        }
        wal.close();
        ChildOutput.line("CLOSED");
    }

    private static void read(final ChildArgs args)
    {
        final Path dir = args.path("dir");
        final RecordScheme scheme = new RecordScheme(args.number("seed", 0));
        try (ShardedWal wal = ShardedWal.openReadOnly(dir))
        {
            for (int shard = 0; shard < wal.shardCount(); shard++)
            {
                final long records = wal.iterShard(shard, 0, Long.MAX_VALUE, record ->
                {
                    final RecordScheme.Decoded decoded = scheme.decode(record);
                    if (!decoded.ok())
                    {
                        ChildOutput.line("BAD " + record + " " + decoded.problem());
                    }
                });
                ChildOutput.line("SHARD " + shard + " " + records);
            }
        }
        catch (final ShardwalException e)
        {
            ChildOutput.line("ERROR " + e.category() + " " + e.getMessage().replace('\n', ' '));
        }
    }

    private static void shrink(final ChildArgs args) throws IOException
    {
        try (ShardedWal wal = ShardedWal.openReadOnly(args.path("dir")))
        {
            final long first = readAll(wal);
            try (FileChannel channel = FileChannel.open(args.path("file"), StandardOpenOption.WRITE))
            {
                channel.truncate(args.number("length", 0));
            }
            try
            {
                ChildOutput.line("READ " + first + " " + readAll(wal));
            }
            catch (final ShardwalException e)
            {
                ChildOutput.line("ERROR " + e.category() + " " + e.getMessage().replace('\n', ' '));
            }
            catch (final RuntimeException | Error e)
            {
                ChildOutput.line("THROWN " + String.valueOf(e).replace('\n', ' '));
            }
        }
    }

    private static long readAll(final ShardedWal wal)
    {
        long records = 0;
        for (int shard = 0; shard < wal.shardCount(); shard++)
        {
            records += wal.iterShard(shard, 0, Long.MAX_VALUE, record ->
            {
                // count only
            });
        }
        return records;
    }

    /** Raises SIGSEGV: the JVM's handler takes it for a crash and writes an hs_err file. */
    @SuppressWarnings("restricted") // the harness test needs a real JVM crash
    private static void crash() throws Throwable
    {
        final Linker linker = Linker.nativeLinker();
        final MethodHandle raise = linker.downcallHandle(linker.defaultLookup().findOrThrow("raise"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        final int ignored = (int)raise.invokeExact(11);
        throw new IllegalStateException("still alive after raise(SIGSEGV) returned " + ignored);
    }

    private static void partial() throws InterruptedException
    {
        // One write: the parent sees STARTED only together with the unfinished line after it.
        ChildOutput.print("STARTED\n" + AckLog.PREFIX + "0 0 1");
        Thread.sleep(Duration.ofMinutes(1));
    }

    private static void flood(final ChildArgs args) throws IOException, InterruptedException
    {
        final BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        ChildOutput.line("FIRST");
        if (!"GO".equals(stdin.readLine()))
        {
            throw new IllegalStateException("expected GO on stdin");
        }
        for (int seq = 0; seq < args.integer("lines", 0); seq++)
        {
            ChildOutput.print(AckLog.line(0, seq, seq));
        }
        Files.createFile(args.path("marker"));
        Thread.sleep(Duration.ofMinutes(1));
    }

    private static void roundtrip(final ChildArgs args)
    {
        final WalOptions options = options(args);
        final RecordScheme scheme = new RecordScheme(args.number("seed", 0));
        final long records = args.number("records", 1000);
        try (ShardedWal wal = ShardedWal.open(options))
        {
            for (long seq = 0; seq < records; seq++)
            {
                wal.append(scheme.key(0, seq), scheme.value(0, seq));
            }
            wal.sync();
        }
        final long[] readBack = new long[1];
        try (ShardedWal wal = ShardedWal.open(options))
        {
            wal.replay(record ->
            {
                if (!scheme.decode(record).ok())
                {
                    throw new IllegalStateException("record read back is not what was written: " + record);
                }
                synchronized (readBack)
                {
                    readBack[0]++;
                }
            }, 2);
        }
        ChildOutput.line("OK " + readBack[0]);
    }
}
