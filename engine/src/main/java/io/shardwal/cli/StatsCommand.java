package io.shardwal.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import io.shardwal.metrics.JsonRenderer;
import io.shardwal.metrics.LatencyRecording;
import io.shardwal.metrics.PrometheusRenderer;
import io.shardwal.metrics.ShardStats;
import io.shardwal.metrics.WalStats;
import io.shardwal.wal.ShardedWal;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code shardwal stats DIR [--prometheus|--json]}: the metrics snapshot of a log, from its files. */
@Command(name = "stats", mixinStandardHelpOptions = true,
    header = "Print the metrics snapshot (table, Prometheus text or JSON).",
    description = {"Prints the metrics snapshot of a log as a table, as Prometheus text exposition (0.0.4) or as "
        + "JSON. Read-only: the numbers come from the files (positions, segments, records and bytes walked, every "
        + "checksum verified). Latency percentiles, msync counts and the durable position are known only inside "
        + "the writing process (its wal.stats()); this view leaves them empty."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:printed", "1:a damaged record was met while counting", "2:bad arguments",
        "3:could not run (missing or foreign directory, I/O error)"})
final class StatsCommand implements Callable<Integer>
{
    /** What a read-only view calls the sync mode: it belongs to the writer's open, not to the files. */
    static final String UNKNOWN_SYNC_MODE = "unknown";
    /** Printed under the table, line by line, when some shard has bytes claimed but not committed. */
    static final List<String> IN_FLIGHT_NOTE = List.of(
        "in flight: bytes claimed but not yet committed. If a shard's value stays over several runs, a claim is",
        "never committed (an open WalClaim, a stuck writer): it holds the shard's committed position, checkpoints",
        "and pruning back until the writer commits it, or its next open's recovery sets it aside as a dead claim");

    @Spec
    CommandSpec spec;

    @ParentCommand
    ShardwalCli cli;

    @Parameters(index = "0", paramLabel = "DIR", description = "The log's directory.")
    Path directory;

    @ArgGroup(exclusive = true)
    Rendering rendering = new Rendering();

    static final class Rendering
    {
        @Option(names = "--prometheus", description = "Prometheus text exposition format 0.0.4.")
        boolean prometheus;

        @Option(names = "--json", description = "One JSON object.")
        boolean json;
    }

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final WalStats stats;
        try (ShardedWal wal = LogDirectory.openReadOnly(directory))
        {
            LogDirectory.warnIfUnrecovered(directory, spec);
            stats = fromFiles(wal, spec.commandLine().getErr(), cli.terminal());
        }
        if (rendering.prometheus)
        {
            out.print(PrometheusRenderer.render(stats));
        }
        else if (rendering.json)
        {
            out.println(JsonRenderer.render(stats));
        }
        else
        {
            table(stats, out);
        }
        return 0;
    }

    /**
     * The snapshot of a read-only open, with every shard's records and payload bytes counted by walking its
     * records (a read-only open counts nothing by itself), with a progress bar on {@code err} if that takes long.
     */
    static WalStats fromFiles(final ShardedWal wal, final PrintWriter err, final boolean terminal)
    {
        final WalStats engine = wal.stats();
        final long[] ends = engine.shards().stream().mapToLong(ShardStats::committedPosition).toArray();
        final long[][] counted = new long[ends.length][2]; // records, payload bytes
        ProgressWalk.walk(wal, ends, err, terminal, "counting", shard -> record ->
        {
            counted[shard][0]++;
            counted[shard][1] += record.keyLength() + record.valueLength();
        });
        final List<ShardStats> shards = new ArrayList<>(engine.shards().size());
        for (final ShardStats shard : engine.shards())
        {
            final long[] count = counted[shard.shard()];
            shards.add(new ShardStats(shard.shard(), count[0], count[1], shard.committedPosition(),
                shard.claimedPosition(), shard.durablePosition(), shard.segmentCount(), shard.rolls(),
                shard.inlinePrepares(), shard.msyncs(), shard.msyncBytes(), shard.msyncFailures(),
                shard.prepareFailures(), shard.unblockedClaims(), shard.recoveryRepairs(), shard.appendLatency(),
                shard.msyncLatency(), shard.rollWaitLatency()));
        }
        return new WalStats(engine.at(), engine.directory(), UNKNOWN_SYNC_MODE, LatencyRecording.OFF, shards,
            engine.appendLatency(), engine.msyncLatency());
    }

    private static void table(final WalStats stats, final PrintWriter out)
    {
        out.println(stats.directory() + " at " + Units.timestamp(stats.at()) + " (read-only view of the files)");
        final Table table = new Table("shard", "records", "MB", "committed", "in flight", "segments");
        for (final ShardStats shard : stats.shards())
        {
            table.row(shard.shard(), Units.count(shard.records()), Units.megabytes(shard.payloadBytes()),
                shard.committedPosition(), shard.inFlightBytes(), shard.segmentCount());
        }
        table.separator();
        table.row("total", Units.count(stats.records()), Units.megabytes(stats.payloadBytes()),
            stats.shards().stream().mapToLong(ShardStats::committedPosition).sum(), stats.inFlightBytes(),
            stats.shards().stream().mapToInt(ShardStats::segmentCount).sum());
        table.print(out, "");
        out.println("record skew (busiest shard / mean): " + String.format(Locale.ROOT, "%.3f", stats.recordSkew()));
        if (stats.inFlightBytes() > 0)
        {
            IN_FLIGHT_NOTE.forEach(out::println);
        }
        out.println("latency, msyncs and durable positions are measured inside the writing process "
            + "(its wal.stats()); a read-only view has none");
    }
}
