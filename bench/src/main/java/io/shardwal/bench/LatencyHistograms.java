package io.shardwal.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.HdrHistogram.HistogramLogWriter;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Carries latency histograms from the benchmark forks to the runner: each fork thread writes an HdrHistogram log
 * ({@code .hlog}, readable by the usual HdrHistogram tools) into {@code <out>/latency/<key>/}, and the runner merges
 * all files of a key. The key names the benchmark, its parameters and its thread count, computed the same way on
 * both sides from JMH's {@link BenchmarkParams}.
 */
public final class LatencyHistograms
{
    /** System property of the forks: the run's output directory (set by {@link RunBenchmarks}). */
    public static final String OUT_PROPERTY = "shardwal.bench.out";

    static final String LATENCY_TAG = "latency";
    static final String TIMER_TAG = "timer";
    private static final String DIRECTORY = "latency";
    private static final String SUFFIX = ".hlog";

    private LatencyHistograms()
    {
    }

    /** Merged histograms of all threads and forks of one benchmark. */
    public record Merged(Histogram latency, Histogram timer, int files)
    {
    }

    /** A stable, file-name-safe name for a benchmark with its parameters and thread count. */
    public static String key(final BenchmarkParams params)
    {
        final StringBuilder key = new StringBuilder(params.getBenchmark());
        for (final String name : new TreeSet<>(params.getParamsKeys()))
        {
            key.append('-').append(name).append('=').append(params.getParam(name));
        }
        key.append("-threads=").append(params.getThreads());
        return key.toString().replaceAll("[^A-Za-z0-9._=-]", "_");
    }

    /** Writes one thread's histograms, if the output directory is configured. */
    static void write(final BenchmarkParams params, final int threadIndex, final Histogram latency,
        final Histogram timer)
    {
        final String out = System.getProperty(OUT_PROPERTY);
        if (out == null)
        {
            return;
        }
        final Path directory = Path.of(out, DIRECTORY, key(params));
        final Path file = directory.resolve(ProcessHandle.current().pid() + "-thread" + threadIndex + SUFFIX);
        try
        {
            Files.createDirectories(directory);
            try (PrintStream stream = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.UTF_8))
            {
                final HistogramLogWriter writer = new HistogramLogWriter(stream);
                writer.outputComment("shardwal bench: " + params.getBenchmark() + " " + key(params)
                    + ", thread " + threadIndex + "; values in nanoseconds; tag 'timer' is the empty timed region");
                writer.outputLogFormatVersion();
                writer.outputStartTime(latency.getStartTimeStamp());
                writer.setBaseTime(latency.getStartTimeStamp());
                writer.outputLegend();
                latency.setTag(LATENCY_TAG);
                timer.setTag(TIMER_TAG);
                writer.outputIntervalHistogram(latency);
                writer.outputIntervalHistogram(timer);
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot write latency histogram " + file, e);
        }
    }

    /** The merged histograms the forks wrote for {@code params} below {@code out}, or null if there are none. */
    static Merged read(final Path out, final BenchmarkParams params)
    {
        final Path directory = out.resolve(DIRECTORY).resolve(key(params));
        if (!Files.isDirectory(directory))
        {
            return null;
        }
        final Histogram latency = new Histogram(3);
        final Histogram timer = new Histogram(3);
        final List<Path> files;
        try (Stream<Path> listing = Files.list(directory))
        {
            files = listing.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
        for (final Path file : files)
        {
            try (HistogramLogReader reader = new HistogramLogReader(file.toFile()))
            {
                EncodableHistogram next;
                while ((next = reader.nextIntervalHistogram()) != null)
                {
                    final Histogram histogram = (Histogram)next;
                    (TIMER_TAG.equals(histogram.getTag()) ? timer : latency).add(histogram);
                }
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException("cannot read latency histogram " + file, e);
            }
        }
        return files.isEmpty() ? null : new Merged(latency, timer, files.size());
    }

    /** Writes the percentile distribution of a merged latency histogram next to its sources. */
    static void writeDistribution(final Path out, final BenchmarkParams params, final Histogram latency)
    {
        final Path file = out.resolve(DIRECTORY).resolve(key(params)).resolve("merged.hgrm");
        try (PrintStream stream = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.UTF_8))
        {
            latency.outputPercentileDistribution(stream, 1.0);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
