package io.shardwal.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.shardwal.wal.RecordHandler;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.WalRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code shardwal dump DIR [--shard N] [--from POS] [--limit K] [--format text|hex|json]}. */
@Command(name = "dump", mixinStandardHelpOptions = true, sortOptions = false,
    header = "Print the records of a shard (text, hex or json).",
    description = {"Prints the committed records of one shard (or of every shard, shard after shard) in position "
        + "order. Read-only: works while a writer appends.",
        "",
        "text: shard=N position=P key=\"...\" value=\"...\" per line; printable ASCII as is, \\\" \\\\ \\t \\n \\r, "
            + "every other byte as \\xHH.",
        "hex:  a line naming the record, its segment file and file offset, then a hexdump of the whole frame.",
        "json: one object per line; key/value as JSON strings when valid UTF-8, else keyBase64/valueBase64."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:printed", "1:a damaged record was met (nothing damaged is printed)", "2:bad arguments",
        "3:the log could not be read (missing or foreign directory, I/O error)"})
final class DumpCommand implements Callable<Integer>
{
    /** Records between checks that someone still reads the output (each check flushes it). */
    private static final int CHECK_OUTPUT_EVERY = 256;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The log's directory.")
    Path directory;

    @Option(names = "--shard", paramLabel = "N", description = "Only this shard (default: every shard in turn).")
    Integer shard;

    @Option(names = "--from", paramLabel = "POS", defaultValue = "0",
        description = "Start at the first record at or after this position of the shard (needs --shard).")
    long from;

    @Option(names = "--limit", paramLabel = "K", description = "Print at most K records.")
    Long limit;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
        description = "text, hex or json (default: ${DEFAULT-VALUE}).")
    RecordFormat format;

    @Override
    public Integer call()
    {
        if (from != 0 && shard == null)
        {
            throw new ParameterException(spec.commandLine(), "--from is a position in one shard: give --shard too");
        }
        if (from < 0 || (limit != null && limit < 0))
        {
            throw new ParameterException(spec.commandLine(), "--from and --limit must not be negative");
        }
        final PrintWriter out = spec.commandLine().getOut();
        try (ShardedWal wal = LogDirectory.openReadOnly(directory))
        {
            LogDirectory.warnIfUnrecovered(directory, spec);
            if (shard != null && (shard < 0 || shard >= wal.shardCount()))
            {
                throw new ParameterException(spec.commandLine(), "--shard " + shard + " does not exist: the log has "
                    + wal.shardCount() + " shards (0.." + (wal.shardCount() - 1) + ")");
            }
            final Printer printer = new Printer(out, wal.options().segmentSize(), from,
                limit == null ? Long.MAX_VALUE : limit);
            final int first = shard == null ? 0 : shard;
            final int last = shard == null ? wal.shardCount() - 1 : shard;
            for (int i = first; i <= last && !printer.full(); i++)
            {
                wal.iterShard(i, startOf(wal, i, from), Long.MAX_VALUE, printer);
                CliFailure.checkOutput(out);
            }
        }
        catch (final StopReading stop)
        {
            out.flush();
        }
        return 0;
    }

    /**
     * Where to start reading for "the first record at or after {@code from}": the start of {@code from}'s segment
     * (always a frame boundary); records before {@code from} are skipped by the printer.
     */
    static long startOf(final ShardedWal wal, final int shard, final long from)
    {
        final long segmentSize = wal.options().segmentSize();
        return Math.max(wal.firstPosition(shard), from - from % segmentSize);
    }

    /** Thrown by the printer to end a read once the limit is reached. */
    static final class StopReading extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        StopReading()
        {
            super(null, null, false, false);
        }
    }

    /** Prints records at or after {@code from}, up to {@code limit}. */
    private final class Printer implements RecordHandler
    {
        private final PrintWriter out;
        private final long segmentSize;
        private final long from;
        private final long limit;
        private final StringBuilder line = new StringBuilder(256);
        private long printed;

        Printer(final PrintWriter out, final long segmentSize, final long from, final long limit)
        {
            this.out = out;
            this.segmentSize = segmentSize;
            this.from = from;
            this.limit = limit;
        }

        boolean full()
        {
            return printed >= limit;
        }

        @Override
        public void onRecord(final WalRecord record)
        {
            if (record.position() < from)
            {
                return;
            }
            if (full())
            {
                throw new StopReading();
            }
            format.print(record, segmentSize, line, out);
            if (++printed % CHECK_OUTPUT_EVERY == 0)
            {
                CliFailure.checkOutput(out);
            }
        }
    }
}
