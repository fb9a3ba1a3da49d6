package io.shardwal.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Mode;
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
 * single-shot: threads × batch size / shot time, where the shot time is the wall-clock time over all threads that
 * {@link PageFaults} reports ({@link ShotClock}; JMH's own score, the per-thread average, where a benchmark has no
 * {@code PageFaults}); average time: threads / time per op; throughput: ops per second (JMH already sums threads). MB/s = records/s × {@code payload} bytes / 10<sup>6</sup> (payload bytes only, no
 * framing). Faults/shot is the median of {@link PageFaults} over the shots (all threads), where a benchmark reports
 * it. A benchmark that counts its records itself (an aux counter {@value #RECORDS_COUNTER}, e.g. a replay reading a
 * whole log per shot) gets records/s from that count; its other aux counters go into a counters table.
 *
 * <p>Ratio columns appear only for the {@link Baselines} that apply to some row of the run; targets are listed only
 * when their subject row was measured.
 */
final class ResultTable
{
    private static final String PAYLOAD = "payload";
    /** An aux counter with this name gives the records of a shot (replay: records read), else threads × batch. */
    static final String RECORDS_COUNTER = "records";

    private ResultTable()
    {
    }

    /** One benchmark with one parameter set, as measured. */
    record Row(String benchmark, Map<String, String> params, int threads, double recordsPerSecond,
        double errorPercent, double faultsPerShot, LatencyHistograms.Merged latency, double shotSeconds,
        double recordsPerShot, Map<String, Double> counters)
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

        /** Whether the benchmark writes or reads records (it has a payload or counts its records). */
        boolean writesRecords()
        {
            return !Double.isNaN(recordsPerShot) && (payload() >= 0 || counters.containsKey(RECORDS_COUNTER));
        }

        boolean hasParams(final Map<String, String> wanted)
        {
            return wanted.entrySet().stream().allMatch(e -> e.getValue().equals(params.get(e.getKey())));
        }

        boolean matches(final Baselines.Baseline baseline)
        {
            return !isLatency() && (baseline.benchmarkClass() == null || className().equals(baseline.benchmarkClass()))
                && hasParams(baseline.params());
        }

        boolean matches(final Baselines.Ref ref)
        {
            return benchmark.equals(ref.benchmark()) && threads == ref.threads() && hasParams(ref.params());
        }

        boolean sameShape(final Row other, final List<String> matchParams)
        {
            return threads == other.threads && payload() == other.payload()
                && matchParams.stream().allMatch(p -> Objects.equals(params.get(p), other.params.get(p)));
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
            final Result<?> faults = result.getSecondaryResults().get(PageFaults.RESULT);
            final double faultsPerShot = faults == null ? Double.NaN : faults.getStatistics().getPercentile(50);
            final Map<String, Double> counters = counters(result);
            final Result<?> wall = result.getSecondaryResults().get(PageFaults.SHOT_NANOS);
            final boolean singleShot = params.getMode() == Mode.SingleShotTime;
            final double shotSeconds = wall != null && singleShot ? wall.getStatistics().getPercentile(50) / 1e9
                : medianSeconds(result);
            final Statistics timing = wall != null && singleShot ? wall.getStatistics() : primary.getStatistics();
            final double errorPercent = 100.0 * timing.getMeanErrorAt(0.999) / timing.getMean();
            final Double records = counters.get(RECORDS_COUNTER);
            final double recordsPerShot = records != null ? records : recordsPerShot(params);
            final double recordsPerSecond = singleShot && (records != null || wall != null)
                ? recordsPerShot / shotSeconds : recordsPerSecond(result);
            rows.add(new Row(params.getBenchmark(), values, params.getThreads(), recordsPerSecond, errorPercent,
                faultsPerShot, LatencyHistograms.read(out, params), shotSeconds, recordsPerShot, counters));
        }
        rows.sort(Comparator.comparingInt(Row::payload).thenComparingInt(Row::threads)
            .thenComparing(Row::benchmark).thenComparing(Row::otherParams));
        return rows;
    }

    /**
     * The benchmark's own aux counters (unit "#", e.g. a WAL's rolls per shot), as the median over the shots;
     * page faults and profilers' results are left out.
     */
    private static Map<String, Double> counters(final RunResult result)
    {
        final Map<String, Double> counters = new TreeMap<>();
        result.getSecondaryResults().forEach((name, secondary) ->
        {
            if (!PageFaults.RESULT.equals(name) && !PageFaults.SHOT_NANOS.equals(name)
                && "#".equals(secondary.getScoreUnit()))
            {
                counters.put(name, secondary.getStatistics().getPercentile(50));
            }
        });
        return counters;
    }

    /** Duration of the median iteration in seconds (single-shot: the median shot). */
    private static double medianSeconds(final RunResult result)
    {
        final BenchmarkParams params = result.getParams();
        final double unitSeconds = params.getTimeUnit().toNanos(1) / (double)TimeUnit.SECONDS.toNanos(1);
        return result.getPrimaryResult().getStatistics().getPercentile(50) * unitSeconds;
    }

    /** Records a single shot writes when the benchmark does not count them itself: threads × batch size. */
    private static double recordsPerShot(final BenchmarkParams params)
    {
        return params.getMode() == Mode.SingleShotTime
            ? params.getThreads() * (double)params.getMeasurement().getBatchSize() : Double.NaN;
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
        renderCounters(md, rows);
        return md.toString();
    }

    /** The baselines that give at least one row of this run a ratio, in table order. */
    private static List<Baselines.Baseline> usedBaselines(final List<Row> rows)
    {
        return Baselines.BASELINES.stream()
            .filter(b -> rows.stream().anyMatch(r -> !r.isLatency() && find(rows, b, r) != null)).toList();
    }

    private static void renderThroughput(final StringBuilder md, final List<Row> rows)
    {
        if (rows.stream().allMatch(Row::isLatency))
        {
            return;
        }
        final List<Baselines.Baseline> baselines = usedBaselines(rows);
        md.append("### Throughput\n\n");
        md.append("| benchmark | payload B | params | threads | records/s | MB/s | ns/record/thread | ± |")
            .append(" faults/shot |");
        for (final Baselines.Baseline baseline : baselines)
        {
            md.append(" vs ").append(baseline.label()).append(" |");
        }
        md.append("\n|---|--:|---|--:|--:|--:|--:|--:|--:|");
        md.append("--:|".repeat(baselines.size())).append('\n');
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
            for (final Baselines.Baseline baseline : baselines)
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
        final StringBuilder lines = new StringBuilder();
        for (final Baselines.Target target : Baselines.TARGETS)
        {
            final Baselines.Ref subject = target.subject();
            final Row row = rows.stream().filter(r -> r.matches(subject)
                    && (target instanceof Baselines.Latency) == r.isLatency())
                .findFirst().orElse(null);
            if (row == null)
            {
                continue;
            }
            lines.append("- ").append(target.layer()).append(": `").append(shortName(subject.benchmark()))
                .append("` ").append(subject.params()).append(", ").append(subject.threads()).append(" thread(s) ");
            switch (target)
            {
                case Baselines.Ratio ratio -> ratioTarget(lines, rows, row, ratio);
                case Baselines.Latency latency -> latencyTarget(lines, row, latency);
                case Baselines.Rate rate -> rateTarget(lines, row, rate);
            }
        }
        if (lines.isEmpty())
        {
            return;
        }
        md.append("### Targets\n\n").append(lines).append('\n');
    }

    private static void ratioTarget(final StringBuilder md, final List<Row> rows, final Row row,
        final Baselines.Ratio target)
    {
        final Row reference;
        if (target.baseline() != null)
        {
            final Baselines.Baseline baseline = Baselines.BASELINES.stream()
                .filter(b -> b.label().equals(target.baseline())).findFirst().orElseThrow();
            md.append("≥ ").append(ratio(target.minimumRatio())).append(' ').append(target.baseline()).append(": ");
            reference = find(rows, baseline, row);
        }
        else
        {
            md.append("≥ ").append(ratio(target.minimumRatio())).append(" `")
                .append(shortName(target.reference().benchmark())).append("` ").append(target.reference().params())
                .append(", ").append(target.reference().threads()).append(" thread(s): ");
            reference = rows.stream().filter(r -> !r.isLatency() && r.matches(target.reference())).findFirst()
                .orElse(null);
        }
        if (reference == null)
        {
            md.append("reference not measured in this run\n");
            return;
        }
        final double ratio = row.recordsPerSecond() / reference.recordsPerSecond();
        md.append(verdict(ratio >= target.minimumRatio())).append(" — ").append(ratio(ratio)).append(" (")
            .append(si(row.recordsPerSecond())).append(" vs ").append(si(reference.recordsPerSecond()))
            .append(" records/s)\n");
    }

    private static void latencyTarget(final StringBuilder md, final Row row, final Baselines.Latency target)
    {
        final Histogram latency = row.latency().latency();
        final long value = target.percentile() >= 100 ? latency.getMaxValue()
            : latency.getValueAtPercentile(target.percentile());
        final String what = target.percentile() >= 100 ? "max" : "P" + fixed(target.percentile(), 1);
        md.append(what).append(" ≤ ").append(nanos(target.maximumNanos())).append(": ")
            .append(verdict(value <= target.maximumNanos())).append(" — ").append(nanos(value))
            .append(" (timer P50 ").append(nanos(row.latency().timer().getValueAtPercentile(50))).append(" included, ")
            .append(si(latency.getTotalCount())).append(" appends)\n");
    }

    private static void rateTarget(final StringBuilder md, final Row row, final Baselines.Rate target)
    {
        if (target.counter() == null)
        {
            md.append("≥ ").append(si(target.minimumPerSecond())).append(' ').append(target.unit()).append(": ")
                .append(verdict(row.recordsPerSecond() >= target.minimumPerSecond())).append(" — ")
                .append(si(row.recordsPerSecond())).append(' ').append(target.unit()).append('\n');
            return;
        }
        final Double perShot = row.counters().get(target.counter());
        md.append(target.counter()).append(" ≥ ").append(si(target.minimumPerSecond())).append(' ')
            .append(target.unit()).append(": ");
        if (perShot == null)
        {
            md.append("counter not reported\n");
            return;
        }
        final double rate = perShot / row.shotSeconds();
        md.append(verdict(rate >= target.minimumPerSecond())).append(" — ").append(si(rate)).append(' ')
            .append(target.unit()).append('\n');
    }

    private static String verdict(final boolean met)
    {
        return met ? "**met**" : "**missed**";
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

    private static void renderCounters(final StringBuilder md, final List<Row> rows)
    {
        if (rows.stream().allMatch(r -> r.counters().isEmpty()))
        {
            return;
        }
        md.append("### Counters\n\n");
        md.append("What the benchmarks count themselves (e.g. a WAL's `stats()` deltas): the median over the shots, ")
            .append("divided by the records of a shot and by the median shot time.\n\n");
        md.append("| benchmark | payload B | params | threads | counter | per shot | per record | per second |\n");
        md.append("|---|--:|---|--:|---|--:|--:|--:|\n");
        for (final Row row : rows)
        {
            row.counters().forEach((name, perShot) -> md.append("| ").append(row.shortName())
                .append(" | ").append(row.payload() < 0 ? "" : Integer.toString(row.payload()))
                .append(" | ").append(row.otherParams())
                .append(" | ").append(row.threads())
                .append(" | ").append(name)
                .append(" | ").append(count(perShot))
                .append(" | ").append(!row.writesRecords() || RECORDS_COUNTER.equals(name) ? ""
                    : small(perShot / row.recordsPerShot()))
                .append(" | ").append(si(perShot / row.shotSeconds()))
                .append(" |\n"));
        }
        md.append('\n');
    }

    private static Row find(final List<Row> rows, final Baselines.Baseline baseline, final Row like)
    {
        if (!Pattern.compile(baseline.appliesTo()).matcher(like.benchmark()).find())
        {
            return null;
        }
        // a baseline without a class of its own is the row's method with the baseline's parameters
        return rows.stream().filter(r -> r.matches(baseline) && r.sameShape(like, baseline.matchParams())
                && (baseline.benchmarkClass() != null || r.benchmark().equals(like.benchmark())))
            .findFirst().orElse(null);
    }

    /** A count per shot: whole numbers as such, fractions (medians of two) with one decimal. */
    private static String count(final double value)
    {
        return value == Math.rint(value) && Math.abs(value) < 1e6 ? Long.toString((long)value) : si(value);
    }

    /** A small ratio such as msyncs per append: three significant digits. */
    private static String small(final double value)
    {
        if (value == 0)
        {
            return "0";
        }
        return value >= 100 ? fixed(value, 0) : String.format(Locale.ROOT, "%.3g", value);
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
        if (value >= 1e12)
        {
            return fixed(value / 1e12, 2) + " T";
        }
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
        return small(value);
    }
}
