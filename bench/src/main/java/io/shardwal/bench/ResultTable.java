package io.shardwal.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.Statistics;

/**
 * Turns the {@link RunResult}s of one JMH run into Markdown: a throughput table with same-run ratios against the
 * {@link Baselines}, the targets met or missed, and a latency table from the merged HdrHistograms.
 *
 * <p>Throughput is computed from the <em>median</em> iteration (robust against a noisy machine); the ± column is
 * JMH's 99.9 % confidence half-width of the mean, relative to the mean. Records/s for each mode:
 * single-shot: threads × batch size / shot time; average time: threads / time per op; throughput: ops per second
 * (JMH already sums threads). MB/s = records/s × {@code payload} bytes / 10<sup>6</sup> (payload bytes only, no
 * framing). Faults/shot is the median of {@link PageFaults} over the shots (all threads), where a benchmark reports
 * it.
 */
final class ResultTable
{
    private static final String PAYLOAD = "payload";

    private ResultTable()
    {
    }

    /** One benchmark with one parameter set, as measured. */
    record Row(String benchmark, Map<String, String> params, int threads, double recordsPerSecond,
        double errorPercent, double faultsPerShot, LatencyHistograms.Merged latency)
    {
        String className()
        {
            return benchmark.substring(0, benchmark.lastIndexOf('.'));
        }

        String shortName()
        {
            return ResultTable.shortName(benchmark);
        }

        int payload()
        {
            final String value = params.get(PAYLOAD);
            return value == null ? -1 : Integer.parseInt(value);
        }

        String otherParams()
        {
            final StringBuilder text = new StringBuilder();
            params.forEach((name, value) ->
            {
                if (!PAYLOAD.equals(name))
                {
                    text.append(text.isEmpty() ? "" : ", ").append(name).append('=').append(value);
                }
            });
            return text.toString();
        }

        boolean isLatency()
        {
            return latency != null;
        }

        boolean hasParams(final Map<String, String> wanted)
        {
            return wanted.entrySet().stream().allMatch(e -> e.getValue().equals(params.get(e.getKey())));
        }

        boolean matches(final Baselines.Baseline baseline)
        {
            return !isLatency() && className().equals(baseline.benchmarkClass()) && hasParams(baseline.params());
        }

        boolean sameShape(final Row other)
        {
            return threads == other.threads && payload() == other.payload();
        }
    }

    static List<Row> rows(final Collection<RunResult> results, final Path out)
    {
        final List<Row> rows = new ArrayList<>();
        for (final RunResult result : results)
        {
            final BenchmarkParams params = result.getParams();
            final Map<String, String> values = new TreeMap<>();
            for (final String name : params.getParamsKeys())
            {
                values.put(name, params.getParam(name));
            }
            final Result<?> primary = result.getPrimaryResult();
            final double errorPercent = 100.0 * primary.getScoreError() / primary.getScore();
            final Result<?> faults = result.getSecondaryResults().get(PageFaults.RESULT);
            final double faultsPerShot = faults == null ? Double.NaN : faults.getStatistics().getPercentile(50);
            rows.add(new Row(params.getBenchmark(), values, params.getThreads(), recordsPerSecond(result),
                errorPercent, faultsPerShot, LatencyHistograms.read(out, params)));
        }
        rows.sort(Comparator.comparingInt(Row::payload).thenComparingInt(Row::threads)
            .thenComparing(Row::benchmark).thenComparing(Row::otherParams));
        return rows;
    }

    /** Records per second of all threads together, from the median iteration. */
    static double recordsPerSecond(final RunResult result)
    {
        final BenchmarkParams params = result.getParams();
        final Statistics statistics = result.getPrimaryResult().getStatistics();
        final double median = statistics.getPercentile(50);
        final double unitSeconds = params.getTimeUnit().toNanos(1) / (double)TimeUnit.SECONDS.toNanos(1);
        return switch (params.getMode())
        {
            case SingleShotTime -> params.getThreads() * (double)params.getMeasurement().getBatchSize()
                / (median * unitSeconds);
            case AverageTime, SampleTime -> params.getThreads() / (median * unitSeconds);
            case Throughput -> median / unitSeconds;
            default -> Double.NaN;
        };
    }

    /** The throughput section, the targets and the latency section. */
    static String render(final List<Row> rows)
    {
        final StringBuilder md = new StringBuilder();
        renderThroughput(md, rows);
        renderTargets(md, rows);
        renderLatency(md, rows);
        return md.toString();
    }

    private static void renderThroughput(final StringBuilder md, final List<Row> rows)
    {
        md.append("### Throughput\n\n");
        md.append("| benchmark | payload B | params | threads | records/s | MB/s | ns/record/thread | ± |")
            .append(" faults/shot |");
        for (final Baselines.Baseline baseline : Baselines.BASELINES)
        {
            md.append(" vs ").append(baseline.label()).append(" |");
        }
        md.append("\n|---|--:|---|--:|--:|--:|--:|--:|--:|");
        md.append("--:|".repeat(Baselines.BASELINES.size())).append('\n');
        for (final Row row : rows)
        {
            if (row.isLatency())
            {
                continue;
            }
            md.append("| ").append(row.shortName())
                .append(" | ").append(row.payload() < 0 ? "" : Integer.toString(row.payload()))
                .append(" | ").append(row.otherParams())
                .append(" | ").append(row.threads())
                .append(" | ").append(si(row.recordsPerSecond()))
                .append(" | ").append(row.payload() < 0 ? "" : fixed(row.recordsPerSecond() * row.payload() / 1e6, 0))
                .append(" | ").append(fixed(1e9 * row.threads() / row.recordsPerSecond(), 1))
                .append(" | ").append(Double.isNaN(row.errorPercent()) ? "" : fixed(row.errorPercent(), 1) + " %")
                .append(" | ").append(Double.isNaN(row.faultsPerShot()) ? "" : fixed(row.faultsPerShot(), 0))
                .append(" |");
            for (final Baselines.Baseline baseline : Baselines.BASELINES)
            {
                final Row reference = find(rows, baseline, row);
                md.append(' ').append(reference == null ? "" : ratio(row.recordsPerSecond()
                    / reference.recordsPerSecond())).append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
    }

    private static void renderTargets(final StringBuilder md, final List<Row> rows)
    {
        md.append("### Targets\n\n");
        for (final Baselines.Target target : Baselines.TARGETS)
        {
            final Row row = rows.stream().filter(r -> !r.isLatency() && r.benchmark().equals(target.benchmark())
                    && r.threads() == target.threads() && r.hasParams(target.params()))
                .findFirst().orElse(null);
            final Baselines.Baseline baseline = Baselines.BASELINES.stream()
                .filter(b -> b.label().equals(target.baseline())).findFirst().orElseThrow();
            md.append("- ").append(target.layer()).append(": `").append(shortName(target.benchmark())).append("` ")
                .append(target.params()).append(", ").append(target.threads()).append(" thread(s) ≥ ")
                .append(ratio(target.minimumRatio())).append(' ').append(target.baseline()).append(": ");
            final Row reference = row == null ? null : find(rows, baseline, row);
            if (row == null || reference == null)
            {
                md.append("not measured in this run\n");
                continue;
            }
            final double ratio = row.recordsPerSecond() / reference.recordsPerSecond();
            md.append(ratio >= target.minimumRatio() ? "**met**" : "**missed**").append(" — ")
                .append(ratio(ratio)).append(" (").append(si(row.recordsPerSecond())).append(" vs ")
                .append(si(reference.recordsPerSecond())).append(" records/s)\n");
        }
        md.append('\n');
    }

    private static void renderLatency(final StringBuilder md, final List<Row> rows)
    {
        if (rows.stream().noneMatch(Row::isLatency))
        {
            return;
        }
        md.append("### Latency per operation\n\n");
        md.append("Each operation timed alone with `System.nanoTime()` (timer cost included, see timer P50); ns unless")
            .append(" marked.\n\n");
        md.append("| benchmark | payload B | params | threads | count | P50 | P90 | P99 | P99.9 | max | timer P50 |\n");
        md.append("|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        for (final Row row : rows)
        {
            if (!row.isLatency())
            {
                continue;
            }
            final Histogram latency = row.latency().latency();
            md.append("| ").append(row.shortName())
                .append(" | ").append(row.payload() < 0 ? "" : Integer.toString(row.payload()))
                .append(" | ").append(row.otherParams())
                .append(" | ").append(row.threads())
                .append(" | ").append(si(latency.getTotalCount()))
                .append(" | ").append(nanos(latency.getValueAtPercentile(50)))
                .append(" | ").append(nanos(latency.getValueAtPercentile(90)))
                .append(" | ").append(nanos(latency.getValueAtPercentile(99)))
                .append(" | ").append(nanos(latency.getValueAtPercentile(99.9)))
                .append(" | ").append(nanos(latency.getMaxValue()))
                .append(" | ").append(nanos(row.latency().timer().getValueAtPercentile(50)))
                .append(" |\n");
        }
        md.append('\n');
    }

    private static Row find(final List<Row> rows, final Baselines.Baseline baseline, final Row like)
    {
        return rows.stream().filter(r -> r.matches(baseline) && r.sameShape(like)).findFirst().orElse(null);
    }

    /** The benchmark name without package and "Benchmark": {@code SegmentAppender.appendOneWriter}. */
    static String shortName(final String benchmark)
    {
        final String className = benchmark.substring(0, benchmark.lastIndexOf('.'));
        return className.substring(className.lastIndexOf('.') + 1).replaceFirst("Benchmark$", "")
            + benchmark.substring(benchmark.lastIndexOf('.'));
    }

    private static String ratio(final double value)
    {
        return fixed(value, value < 10 ? 2 : 1) + "×";
    }

    private static String fixed(final double value, final int decimals)
    {
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /** 873, 12.4 µs, 6.7 ms: nanoseconds below 10 µs, else a readable unit. */
    private static String nanos(final long value)
    {
        if (value >= 1_000_000)
        {
            return fixed(value / 1e6, 1) + " ms";
        }
        if (value >= 10_000)
        {
            return fixed(value / 1e3, 1) + " µs";
        }
        return Long.toString(value);
    }

    /** 12.3 M, 456 k, ... */
    private static String si(final double value)
    {
        if (value >= 1e9)
        {
            return fixed(value / 1e9, 2) + " G";
        }
        if (value >= 1e6)
        {
            return fixed(value / 1e6, 2) + " M";
        }
        if (value >= 1e3)
        {
            return fixed(value / 1e3, 1) + " k";
        }
        return fixed(value, 0);
    }
}
