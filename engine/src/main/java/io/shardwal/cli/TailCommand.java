package io.shardwal.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.shardwal.wal.RecordHandler;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.Tailer;
import io.shardwal.wal.WalRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code shardwal tail DIR [--shard N] [--from-start] [--format F] [--limit K]}: follows a log read-only, in this
 * or another process, printing records as they are committed until interrupted (or {@code --limit} records).
 */
@Command(name = "tail", mixinStandardHelpOptions = true, sortOptions = false,
    header = "Follow a live log read-only and print new records.",
    description = {"Follows a live log read-only and prints records as writers commit them (same formats as dump), "
        + "until interrupted (Ctrl-C) or --limit records were printed. Takes no lock: the writer is not disturbed.",
        "Records of one shard come in position order; shards are interleaved as they come."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:stopped after --limit records", "1:a damaged record was met", "2:bad arguments",
        "3:the log could not be read", "130:interrupted (Ctrl-C)"})
final class TailCommand implements Callable<Integer>
{
    private static final int BATCH = 1024;
    private static final long MAX_IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The log's directory.")
    Path directory;

    @Option(names = "--shard", paramLabel = "N", description = "Follow only this shard (default: all).")
    Integer shard;

    @Option(names = "--from-start", description = "Print what the log already holds first (default: only new "
        + "records, from the committed end at start).")
    boolean fromStart;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
        description = "text, hex or json (default: ${DEFAULT-VALUE}).")
    RecordFormat format;

    @Option(names = "--limit", paramLabel = "K", description = "Stop after K records.")
    Long limit;

    @Override
    public Integer call()
    {
        if (limit != null && limit < 0)
        {
            throw new ParameterException(spec.commandLine(), "--limit must not be negative");
        }
        final PrintWriter out = spec.commandLine().getOut();
        final List<Tailer> tailers = new ArrayList<>();
        try (ShardedWal wal = LogDirectory.openReadOnly(directory))
        {
            LogDirectory.warnIfUnrecovered(directory, spec);
            if (shard != null && (shard < 0 || shard >= wal.shardCount()))
            {
                throw new ParameterException(spec.commandLine(), "--shard " + shard + " does not exist: the log has "
                    + wal.shardCount() + " shards (0.." + (wal.shardCount() - 1) + ")");
            }
            for (int i = 0; i < wal.shardCount(); i++)
            {
                if (shard == null || shard == i)
                {
                    tailers.add(wal.tailer(i, fromStart ? wal.firstPosition(i) : wal.committedPosition(i)));
                }
            }
            return follow(wal, tailers, out);
        }
        finally
        {
            tailers.forEach(Tailer::close);
            out.flush();
        }
    }

    private int follow(final ShardedWal wal, final List<Tailer> tailers, final PrintWriter out)
    {
        final long max = limit == null ? Long.MAX_VALUE : limit;
        final StringBuilder line = new StringBuilder(256);
        final long segmentSize = wal.options().segmentSize();
        final long[] printed = new long[1];
        final RecordHandler printer = record -> print(record, segmentSize, line, out, printed);
        long idleNanos = 0;
        while (printed[0] < max)
        {
            if (Thread.currentThread().isInterrupted())
            {
                return 130;
            }
            int delivered = 0;
            for (final Tailer tailer : tailers)
            {
                final int batch = (int)Math.min(BATCH, max - printed[0]);
                if (batch > 0)
                {
                    delivered += tailer.poll(printer, batch);
                }
            }
            if (delivered > 0)
            {
                CliFailure.checkOutput(out);
                idleNanos = 0;
            }
            else
            {
                idleNanos = Math.min(MAX_IDLE_PARK_NANOS, Math.max(50_000, idleNanos * 2));
                LockSupport.parkNanos(idleNanos);
            }
        }
        return 0;
    }

    private void print(final WalRecord record, final long segmentSize, final StringBuilder line,
        final PrintWriter out, final long[] printed)
    {
        format.print(record, segmentSize, line, out);
        printed[0]++;
    }
}
