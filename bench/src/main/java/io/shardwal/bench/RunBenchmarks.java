package io.shardwal.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the benchmarks in one JMH run and writes {@code jmh.json} (JMH's JSON), {@code results.md} (the tables,
 * ratios and targets of {@link ResultTable}) and the latency histograms into one output directory.
 *
 * <pre>
 * RunBenchmarks [quick|full|studies] [include-regex] [--out DIR] [--data DIR] [--prof PROFILER[:OPTIONS]]...
 *               [--param NAME=V1,V2]... [--command TEXT] [--commit ID]
 * </pre>
 *
 * <ul>
 *   <li>{@code quick} (default), {@code full} or {@code studies}: see {@link Profile};</li>
 *   <li>include-regex: JMH's include pattern over full benchmark names, default the profile's selection (every
 *       benchmark but the long studies; for {@code studies} only those); e.g. {@code 'mmap|raw|peer'} or
 *       {@code 'SegmentAppender.*OneWriter'};</li>
 *   <li>{@code --param}: restricts a JMH parameter to the given values, e.g. {@code pages=cold};</li>
 *   <li>{@code --out}: output directory, default {@code bench/results/<profile>-<UTC timestamp>};</li>
 *   <li>{@code --data}: where the forks create their files (a disk file system, not tmpfs), default
 *       {@code java.io.tmpdir};</li>
 *   <li>{@code --prof}: a JMH profiler, e.g. {@code gc} or {@code stack}, repeatable;</li>
 *   <li>{@code --command}, {@code --commit}: recorded in {@code results.md} ({@code bench/run.sh} passes them).</li>
 * </ul>
 *
 * <p>The runner needs no JVM flags itself, and none of its own flags reach the forks: each benchmark class declares
 * its forks' flags ({@link BenchJvm}).
 */
public final class RunBenchmarks
{
    static final String DEFAULT_INCLUDE = "io\\.shardwal\\.bench\\.";

    private RunBenchmarks()
    {
    }

    public static void main(final String[] args) throws RunnerException, IOException
    {
        final Arguments arguments = Arguments.parse(args);
        final Path out = arguments.out.toAbsolutePath();
        final Path data = arguments.data.toAbsolutePath();
        Files.createDirectories(out);
        Files.createDirectories(data);

        final ChainedOptionsBuilder options = new OptionsBuilder()
            .shouldFailOnError(true)
            .timeout(TimeValue.minutes(10))
            .resultFormat(ResultFormatType.JSON)
            .result(out.resolve("jmh.json").toString())
            // Nothing of the runner's own command line reaches the forks; the classes' jvmArgsAppend does.
            .jvmArgs()
            .jvmArgsPrepend("-D" + LatencyHistograms.OUT_PROPERTY + "=" + out,
                "-D" + BenchFiles.DATA_PROPERTY + "=" + data);
        arguments.profile.apply(options, arguments.include);
        for (final String[] param : arguments.params)
        {
            options.param(param[0], param[1].split(","));
        }
        final String loadBefore = loadAverage();
        for (final String profiler : arguments.profilers)
        {
            final int colon = profiler.indexOf(':');
            if (colon < 0)
            {
                options.addProfiler(profiler);
            }
            else
            {
                options.addProfiler(profiler.substring(0, colon), profiler.substring(colon + 1));
            }
        }

        final long start = System.nanoTime();
        final Collection<RunResult> results = new Runner(options.build()).run();
        final long elapsedSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);

        final List<ResultTable.Row> rows = ResultTable.rows(results, out);
        for (final RunResult result : results)
        {
            final LatencyHistograms.Merged merged = LatencyHistograms.read(out, result.getParams());
            if (merged != null)
            {
                LatencyHistograms.writeDistribution(out, result.getParams(), merged.latency());
            }
        }
        final String markdown = header(arguments, results, data, elapsedSeconds, loadBefore, loadAverage())
            + ResultTable.render(rows);
        final Path table = out.resolve("results.md");
        Files.writeString(table, markdown, StandardCharsets.UTF_8);
        System.out.println();
        System.out.println(markdown);
        System.out.println("Wrote " + table + " and " + out.resolve("jmh.json"));
    }

    private static String header(final Arguments arguments, final Collection<RunResult> results, final Path data,
        final long elapsedSeconds, final String loadBefore, final String loadAfter) throws IOException
    {
        final StringBuilder md = new StringBuilder();
        final BenchmarkParams any = results.isEmpty() ? null : results.iterator().next().getParams();
        md.append("## Run: ").append(arguments.profile.name().toLowerCase(Locale.ROOT)).append(", ")
            .append(DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.SECONDS)))
            .append("\n\n");
        md.append("- command: `").append(arguments.command != null ? arguments.command
            : "RunBenchmarks " + String.join(" ", arguments.raw)).append("`\n");
        if (arguments.commit != null)
        {
            md.append("- commit: ").append(arguments.commit).append('\n');
        }
        md.append("- include: ").append(arguments.profile.selection(arguments.include)).append(", profile ")
            .append(arguments.profile.name().toLowerCase(Locale.ROOT)).append(", ").append(results.size())
            .append(" benchmarks in ").append(elapsedSeconds / 60).append(" min ").append(elapsedSeconds % 60)
            .append(" s\n");
        if (!arguments.params.isEmpty())
        {
            md.append("- parameters overridden:");
            arguments.params.forEach(p -> md.append(" `").append(p[0]).append('=').append(p[1]).append('`'));
            md.append('\n');
        }
        md.append("- load average (1, 5, 15 min) before: ").append(loadBefore).append(", after: ").append(loadAfter)
            .append('\n');
        if (any != null)
        {
            md.append("- JVM: ").append(any.getVmName()).append(' ').append(any.getVmVersion()).append(", JMH ")
                .append(any.getJmhVersion()).append('\n');
        }
        md.append("- machine: ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
            .append(" CPUs, ").append(System.getProperty("os.name")).append(' ')
            .append(System.getProperty("os.version")).append(' ').append(System.getProperty("os.arch")).append('\n');
        final FileStore store = Files.getFileStore(data);
        md.append("- data directory file system: ").append(store.type());
        if ("tmpfs".equals(store.type()))
        {
            md.append(" (**tmpfs: its page faults and write-back are not a disk file system's**)");
        }
        md.append("\n\n");
        return md.toString();
    }

    /** The first three fields of /proc/loadavg, or "unknown". */
    private static String loadAverage()
    {
        try
        {
            final String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        }
        catch (final IOException | RuntimeException e)
        {
            return "unknown";
        }
    }

    private static String cpuModel()
    {
        final Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo))
        {
            return System.getProperty("os.arch");
        }
        try (Stream<String> lines = Files.lines(cpuinfo))
        {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                .findFirst().orElse("unknown CPU");
        }
        catch (final IOException e)
        {
            return "unknown CPU";
        }
    }

    /** The command line, parsed. */
    private static final class Arguments
    {
        private final List<String> raw = new ArrayList<>();
        private final List<String> profilers = new ArrayList<>();
        private final List<String[]> params = new ArrayList<>();
        private Profile profile = Profile.QUICK;
        /** Null: the profile's default selection. */
        private String include;
        private Path out;
        private Path data = Path.of(System.getProperty("java.io.tmpdir"));
        private String command;
        private String commit;

        static Arguments parse(final String[] args)
        {
            final Arguments arguments = new Arguments();
            arguments.raw.addAll(List.of(args));
            final List<String> positional = new ArrayList<>();
            for (int i = 0; i < args.length; i++)
            {
                switch (args[i])
                {
                    case "--out" -> arguments.out = Path.of(value(args, ++i, "--out"));
                    case "--data" -> arguments.data = Path.of(value(args, ++i, "--data"));
                    case "--prof" -> arguments.profilers.add(value(args, ++i, "--prof"));
                    case "--param" -> arguments.params.add(param(value(args, ++i, "--param")));
                    case "--command" -> arguments.command = value(args, ++i, "--command");
                    case "--commit" -> arguments.commit = value(args, ++i, "--commit");
                    case "-h", "--help" -> throw usage("");
                    default ->
                    {
                        if (args[i].startsWith("--"))
                        {
                            throw usage("unknown option " + args[i]);
                        }
                        positional.add(args[i]);
                    }
                }
            }
            if (positional.size() > 2)
            {
                throw usage("too many arguments: " + positional);
            }
            if (!positional.isEmpty())
            {
                arguments.profile = Profile.named(positional.get(0));
            }
            if (positional.size() == 2 && !positional.get(1).isBlank())
            {
                arguments.include = positional.get(1);
            }
            if (arguments.out == null)
            {
                final String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC)
                    .format(Instant.now());
                arguments.out = Path.of("bench", "results",
                    arguments.profile.name().toLowerCase(Locale.ROOT) + "-" + stamp);
            }
            return arguments;
        }

        private static String value(final String[] args, final int index, final String option)
        {
            if (index >= args.length)
            {
                throw usage(option + " needs a value");
            }
            return args[index];
        }

        /** {@code name=v1,v2}: JMH parameter {@code name} restricted to those values. */
        private static String[] param(final String text)
        {
            final int equals = text.indexOf('=');
            if (equals <= 0 || equals == text.length() - 1)
            {
                throw usage("--param needs name=value[,value...], not " + text);
            }
            return new String[] {text.substring(0, equals), text.substring(equals + 1)};
        }

        private static IllegalArgumentException usage(final String problem)
        {
            return new IllegalArgumentException((problem.isEmpty() ? "" : problem + "\n")
                + "usage: RunBenchmarks [quick|full|studies] [include-regex] [--out DIR] [--data DIR]"
                + " [--prof PROFILER[:OPTIONS]]... [--param NAME=V1,V2]... [--command TEXT] [--commit ID]");
        }
    }
}
