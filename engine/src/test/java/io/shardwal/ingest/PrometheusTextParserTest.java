package io.shardwal.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.shardwal.index.Labels;
import io.shardwal.index.Matcher;
import io.shardwal.index.ShardedIndex;

class PrometheusTextParserTest
{
    private static final String FIXTURE = "prometheus-alltypes.237mfs.prom.txt";

    @Test
    void shouldParseTheRealExpositionOfAPrometheusServer() throws IOException
    {
        final PrometheusTextParser.Exposition exposition = PrometheusTextParser.parse(fixture());
        assertEquals(237, exposition.families().size());
        assertEquals(1857, exposition.samples().size());
        final Map<MetricType, Integer> types = new HashMap<>();
        for (final MetricFamily family : exposition.families().values())
        {
            types.merge(family.type(), 1, Integer::sum);
            assertFalse(family.help().isEmpty(), family.name() + " has HELP text");
        }
        assertEquals(Map.of(MetricType.COUNTER, 112, MetricType.GAUGE, 97, MetricType.HISTOGRAM, 15,
            MetricType.SUMMARY, 13), types);

        final MetricFamily gc = exposition.families().get("go_gc_duration_seconds");
        assertEquals(MetricType.SUMMARY, gc.type());
        assertEquals("A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.",
            gc.help());
        final List<Sample> gcSamples = samplesOf(exposition, "go_gc_duration_seconds");
        assertEquals(7, gcSamples.size(), "five quantiles, _sum and _count");
        assertEquals(Labels.of("quantile", "0.5"), gcSamples.get(2).labels());
        assertEquals(0.000135819, gcSamples.get(2).value());
        assertEquals("go_gc_duration_seconds_count", gcSamples.get(6).metricName());
        assertEquals(190932, gcSamples.get(6).value());
        assertFalse(gcSamples.get(6).hasTimestamp());

        final Sample rule = exposition.samples().stream()
            .filter(s -> s.metricName().equals("prometheus_rule_evaluation_failures_total")).findFirst().orElseThrow();
        assertEquals("/etc/prometheus/rules/ansible_managed.rules;ansible managed alert rules",
            rule.labels().get("rule_group"), "a label value with blanks and a semicolon");
    }

    /** Every histogram in the fixture is well formed: cumulative buckets ending in +Inf, which equals _count. */
    @Test
    void shouldReadEveryHistogramOfTheFixtureAsACumulativeDistribution() throws IOException
    {
        final PrometheusTextParser.Exposition exposition = PrometheusTextParser.parse(fixture());
        int histograms = 0;
        for (final MetricFamily family : exposition.families().values())
        {
            if (family.type() != MetricType.HISTOGRAM)
            {
                continue;
            }
            histograms++;
            final Map<Labels, List<Sample>> buckets = new HashMap<>();
            final Map<Labels, Double> counts = new HashMap<>();
            for (final Sample s : samplesOf(exposition, family.name()))
            {
                if (s.metricName().endsWith("_bucket"))
                {
                    buckets.computeIfAbsent(s.labels().with("le", ""), k -> new ArrayList<>()).add(s);
                }
                else if (s.metricName().endsWith("_count"))
                {
                    counts.put(s.labels(), s.value());
                }
            }
            assertFalse(buckets.isEmpty(), family.name());
            for (final Map.Entry<Labels, List<Sample>> series : buckets.entrySet())
            {
                double previousBound = Double.NEGATIVE_INFINITY;
                double previousCount = 0;
                for (final Sample bucket : series.getValue())
                {
                    final double bound = Double.parseDouble(bucket.labels().get("le").replace("Inf", "Infinity"));
                    assertTrue(bound > previousBound, family.name() + " bounds ascend");
                    assertTrue(bucket.value() >= previousCount, family.name() + " counts are cumulative");
                    previousBound = bound;
                    previousCount = bucket.value();
                }
                assertEquals(Double.POSITIVE_INFINITY, previousBound, family.name() + " ends with le=\"+Inf\"");
                assertEquals(counts.get(series.getKey()), previousCount, family.name() + " +Inf bucket is _count");
            }
        }
        assertEquals(15, histograms);
    }

    @Test
    void shouldIndexEverySeriesOfTheExposition() throws IOException
    {
        final List<Sample> samples = PrometheusTextParser.parse(fixture()).samples();
        try (ShardedIndex index = ShardedIndex.withShards(4))
        {
            final Set<Long> ids = new HashSet<>();
            for (final Sample s : samples)
            {
                ids.add(index.addSeries(s.seriesLabels()));
            }
            assertEquals(samples.size(), ids.size(), "every sample line is its own series");
            assertEquals(samples.size(), index.seriesCount());
            assertEquals(5, index.findSeries(Matcher.equal("__name__", "go_gc_duration_seconds")).length);
            assertTrue(index.labelValues("quantile").containsAll(List.of("0", "0.25", "0.5", "0.75", "1")));
            final long[] buckets = index.findSeries(Matcher.regex("__name__", ".*_bucket"),
                Matcher.equal("le", "+Inf"));
            int histogramSeries = 0;
            for (final Sample s : samples)
            {
                histogramSeries += s.metricName().endsWith("_bucket") && s.labels().get("le").equals("+Inf") ? 1 : 0;
            }
            assertEquals(histogramSeries, buckets.length);
            for (final long id : buckets)
            {
                assertEquals("+Inf", index.getLabels(id).get("le"));
            }
        }
    }

    @Test
    void shouldUnescapeLabelValuesAndHelpText()
    {
        final PrometheusTextParser.Exposition e = PrometheusTextParser.parse(
            "# HELP m Line one\\nwith a \\\\ backslash.\n" +
            "# TYPE m gauge\n" +
            "m{path=\"C:\\\\dir\\\\\",quote=\"say \\\"hi\\\"\",nl=\"a\\nb\",} 1\n");
        assertEquals("Line one\nwith a \\ backslash.", e.families().get("m").help());
        final Labels labels = e.samples().get(0).labels();
        assertEquals("C:\\dir\\", labels.get("path"));
        assertEquals("say \"hi\"", labels.get("quote"));
        assertEquals("a\nb", labels.get("nl"));
        assertEquals(Labels.of("__name__", "m", "nl", "a\nb", "path", "C:\\dir\\", "quote", "say \"hi\""),
            e.samples().get(0).seriesLabels());
    }

    @Test
    void shouldParseValuesTimestampsBlanksAndComments()
    {
        final List<Sample> samples = PrometheusTextParser.parse(
            "# a comment\n" +
            "#another comment\n" +
            "\n" +
            "   \t\n" +
            "a 1.5e3 1700000000000\n" +
            "b\t-Inf\n" +
            "c{x=\"1\"}   +Inf   -5\n" +
            "d NaN\n" +
            "e{ x = \"2\" , } .5\r\n" +
            "f{} -0.25e-2\n" +
            "# EOF\n").samples();
        assertEquals(6, samples.size());
        assertEquals(1500.0, samples.get(0).value());
        assertEquals(1700000000000L, samples.get(0).timestampMillis());
        assertEquals(Double.NEGATIVE_INFINITY, samples.get(1).value());
        assertEquals(Double.POSITIVE_INFINITY, samples.get(2).value());
        assertEquals(-5, samples.get(2).timestampMillis());
        assertTrue(Double.isNaN(samples.get(3).value()));
        assertEquals(0.5, samples.get(4).value());
        assertEquals(Labels.of("x", "2"), samples.get(4).labels());
        assertEquals(-0.0025, samples.get(5).value());
        assertEquals(Labels.EMPTY, samples.get(5).labels());
    }

    @Test
    void shouldAttributeHistogramAndSummarySamplesToTheirFamily()
    {
        final PrometheusTextParser.Exposition e = PrometheusTextParser.parse(
            "# TYPE h histogram\n" +
            "h_bucket{le=\"1\"} 1\n" +
            "h_bucket{le=\"+Inf\"} 2\n" +
            "h_sum 3\n" +
            "h_count 2\n" +
            "# TYPE s summary\n" +
            "s{quantile=\"0.9\"} 1\n" +
            "s_sum 3\n" +
            "s_count 2\n" +
            "s_bucket 9\n");
        final String[] families = e.samples().stream().map(Sample::family).toArray(String[]::new);
        assertArrayEquals(new String[] {"h", "h", "h", "h", "s", "s", "s", "s_bucket"}, families);
        assertEquals(MetricType.UNTYPED, e.families().get("s_bucket").type());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "m{a=\"b\" 1                              | 1 | 9  | expected ',' or '}' after the value of label 'a'",
        "m{a=b} 1                                 | 1 | 5  | expected '\"' to open the value of label 'a', found 'b'",
        "m{a=\"b\\x\"} 1                          | 1 | 7  | invalid escape sequence '\\x' in the value of label 'a'",
        "m{a=\"b\",a=\"c\"} 1                     | 1 | 9  | duplicate label name 'a'",
        "m 1 2 3                                  | 1 | 7  | unexpected text after the sample of 'm'",
        "m abc                                    | 1 | 3  | invalid sample value 'abc'",
        "m 1d                                     | 1 | 3  | invalid sample value '1d'",
        "m 1 1.5                                  | 1 | 5  | invalid timestamp '1.5'",
        "m                                        | 1 | 2  | expected a blank and a value after 'm' but the line ends",
        "m{a=\"x} 1                               | 1 | 10 | unterminated value of label 'a'",
        "1m 1                                     | 1 | 1  | expected a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), found '1'",
        "m{\"a\"=\"b\"} 1                         | 1 | 3  | quoted label names are not supported",
        "m{__name__=\"x\"} 1                      | 1 | 3  | label name '__name__' is reserved",
        "m{a=\"b\"}1                              | 1 | 9  | expected a blank before the value of 'm'",
        "# TYPE m foo                             | 1 | 10 | unknown metric type 'foo'",
        "# TYPE m                                 | 1 | 9  | expected a type after the metric name in # TYPE",
        "# TYPE m counter extra                   | 1 | 18 | unexpected text after the type in # TYPE",
        "`# TYPE m counter\n# TYPE m gauge`       | 2 | 1  | second # TYPE line for metric family 'm'",
        "`m 1\n\n# TYPE m counter`                | 3 | 1  | # TYPE line for metric family 'm' after its samples",
        "`# HELP m one\n# HELP m two`             | 2 | 10 | second # HELP line for metric family 'm'",
        "# HELP m bad \\t escape                  | 1 | 14 | invalid escape sequence '\\t' in # HELP text",
        "`# TYPE h histogram\nh_bucket 1`         | 2 | 1  | histogram bucket 'h_bucket' has no 'le' label",
        "`# TYPE h histogram\nh_bucket{le=\"x\"} 1` | 2 | 1  | label 'le' must be a number, got \"x\"",
        "`# TYPE h histogram\nh 1`                | 2 | 1  | histogram 'h' has a sample without a _bucket, _sum or _count suffix",
        "`# TYPE s summary\ns 1`                  | 2 | 1  | summary quantile 's' has no 'quantile' label",
        "m 1 \u0661\u0662                          | 1 | 5  | invalid timestamp '\u0661\u0662'",
        "m 1 \uFF12                               | 1 | 5  | invalid timestamp '\uFF12'",
        "m 1 -9223372036854775808                 | 1 | 5  | timestamp -9223372036854775808 is out of range",
        "m 1e309                                  | 1 | 3  | sample value '1e309' is out of range",
        "m -1e400                                 | 1 | 3  | sample value '-1e400' is out of range",
        "`# TYPE h histogram\nh_bucket{le=\"2e308\"} 1` | 2 | 1 | label 'le' must be a number, got \"2e308\"",
        "m -NaN                                   | 1 | 3  | invalid sample value '-NaN'",
        "m +nan                                   | 1 | 3  | invalid sample value '+nan'",
        "`# TYPE s summary\ns{quantile=\"-NaN\"} 1` | 2 | 1 | label 'quantile' must be a number, got \"-NaN\"",
        "`x_count 1\n# TYPE x summary`            | 2 | 1  | # TYPE line for metric family 'x' after its samples",
        "`x_bucket 1\n# TYPE x histogram`         | 2 | 1  | # TYPE line for metric family 'x' after its samples",
        "m{a=\"x\uD800y\"} 1                       | 1 | 7  | invalid UTF-16 (a lone surrogate)",
        "m{a=\"x\uDC00\uD83D\"} 1                  | 1 | 7  | invalid UTF-16 (a lone surrogate)",
    })
    void shouldReportMalformedInputWithLineAndColumn(
        final String input, final int line, final int column, final String message)
    {
        final String text = input.replace("\\n", "\n").strip();
        final ExpositionFormatException e =
            assertThrows(ExpositionFormatException.class, () -> PrometheusTextParser.parse(text));
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(column, e.column(), e.getMessage());
        assertTrue(e.getMessage().startsWith("line " + line + ", column " + column + ": " + message),
            e.getMessage());
    }

    /** What Go's ParseFloat and ParseInt accept at the edges of their ranges is accepted, with its value. */
    @Test
    void shouldAcceptValuesAndTimestampsAtTheEdgesOfTheirRanges()
    {
        final List<Sample> samples = PrometheusTextParser.parse(
            "a 1.7976931348623157e308 9223372036854775807\n" +
            "b 1e-400 -9223372036854775807\n" +
            "c nan +5\n" +
            "d -INFINITY -0\n").samples();
        assertEquals(Double.MAX_VALUE, samples.get(0).value());
        assertEquals(Long.MAX_VALUE, samples.get(0).timestampMillis());
        assertEquals(0.0, samples.get(1).value(), "underflow is zero, not an error");
        assertEquals(-Long.MAX_VALUE, samples.get(1).timestampMillis());
        assertTrue(Double.isNaN(samples.get(2).value()));
        assertEquals(5, samples.get(2).timestampMillis());
        assertEquals(Double.NEGATIVE_INFINITY, samples.get(3).value());
        assertTrue(samples.get(3).hasTimestamp());
        assertEquals(0, samples.get(3).timestampMillis());
    }

    /** Only a histogram owns {@code _bucket}, only a histogram or summary {@code _sum} and {@code _count}. */
    @Test
    void shouldAcceptATypeLineAfterSamplesOfAnotherFamilyWithASuffixedName()
    {
        final PrometheusTextParser.Exposition e = PrometheusTextParser.parse(
            "x_count 1\n" +
            "x_sum 2\n" +
            "x_bucket 3\n" +
            "y_bucket 4\n" +
            "# TYPE x counter\n" +
            "x 5\n" +
            "# TYPE y summary\n" +
            "y{quantile=\"0.5\"} 6\n");
        final String[] families = e.samples().stream().map(Sample::family).toArray(String[]::new);
        assertArrayEquals(new String[] {"x_count", "x_sum", "x_bucket", "y_bucket", "x", "y"}, families);
        assertEquals(MetricType.COUNTER, e.families().get("x").type());
        assertEquals(MetricType.UNTYPED, e.families().get("x_count").type());
        assertEquals(MetricType.SUMMARY, e.families().get("y").type());
    }

    /** A line ends at a line feed only: a carriage return elsewhere is a character of the line (CRLF is tolerated). */
    @Test
    void shouldEndLinesAtLineFeedsOnly()
    {
        final ExpositionFormatException e =
            assertThrows(ExpositionFormatException.class, () -> PrometheusTextParser.parse("a 1\rb 2\n"));
        assertEquals(1, e.line(), e.getMessage());
        assertEquals(3, e.column(), e.getMessage());
        assertTrue(e.getMessage().contains("invalid sample value '1\rb'"), e.getMessage());

        final PrometheusTextParser.Exposition ok = PrometheusTextParser.parse(
            "# HELP m one\rtwo 2\r\n" +
            "m{a=\"x\ry\"} 1\r\n" +
            "n 2");
        assertEquals("one\rtwo 2", ok.families().get("m").help());
        assertEquals(2, ok.samples().size());
        assertEquals("x\ry", ok.samples().get(0).labels().get("a"));
        assertEquals(2, ok.samples().get(1).value(), "a last line without a line feed");
    }

    /** An endless line is refused once it passes the limit, without being read (and held) whole. */
    @Test
    void shouldRefuseAnOverlongLineWithoutReadingItWhole()
    {
        final long[] read = new long[1];
        final Reader endless = new Reader()
        {
            private long served;

            @Override
            public int read(final char[] buffer, final int offset, final int length)
            {
                final String head = "ok 1\nm{a=\"";
                for (int i = 0; i < length; i++, served++)
                {
                    buffer[offset + i] = served < head.length() ? head.charAt((int)served) : 'x';
                }
                read[0] = served;
                return length;
            }

            @Override
            public void close()
            {
            }
        };
        final List<Sample> samples = new ArrayList<>();
        final ExpositionFormatException e = assertThrows(ExpositionFormatException.class,
            () -> PrometheusTextParser.parse(endless, samples::add));
        assertEquals(2, e.line(), e.getMessage());
        assertEquals(PrometheusTextParser.MAX_LINE_LENGTH + 1, e.column(), e.getMessage());
        assertTrue(e.getMessage().contains("longer than " + PrometheusTextParser.MAX_LINE_LENGTH), e.getMessage());
        assertEquals(1, samples.size(), "the lines before it were parsed");
        assertTrue(read[0] < PrometheusTextParser.MAX_LINE_LENGTH + (1 << 16), "read " + read[0] + " chars");
    }

    /** Many labels on one line cost linear time, and a duplicate after them is still found. */
    @Test
    void shouldCheckLabelNamesOfALongLineInLinearTime()
    {
        final StringBuilder line = new StringBuilder("m{");
        final int labels = 80_000;
        for (int i = 0; i < labels; i++)
        {
            line.append('l').append(i).append("=\"\",");
        }
        final int duplicateColumn = line.length() + 1;
        line.append("l0=\"v\"} 1\n");
        final ExpositionFormatException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
            () -> assertThrows(ExpositionFormatException.class, () -> PrometheusTextParser.parse(line)));
        assertEquals(duplicateColumn, e.column(), e.getMessage());
        assertTrue(e.getMessage().contains("duplicate label name 'l0'"), e.getMessage());
    }

    /** A label value is valid Unicode: pairs of surrogates (non-BMP characters) pass, lone ones are refused above. */
    @Test
    void shouldKeepCharactersBeyondTheBasicPlaneInLabelValues()
    {
        final Sample sample = PrometheusTextParser.parse("m{a=\"\uD83D\uDE00 \u20AC\"} 1\n").samples().get(0);
        assertEquals("\uD83D\uDE00 \u20AC", sample.labels().get("a"));
    }

    /** Bytes from a stream: what decodes is read as from text, across every chunk boundary of the decoder. */
    @Test
    void shouldReadUtf8BytesAsTheTextTheyEncode() throws IOException
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < 3000; i++)
        {
            text.append("m{a=\"").append("\u00E9\u20AC\uD83D\uDE00".repeat(i % 7)).append(i).append("\"} ").append(i)
                .append('\n');
        }
        final List<Sample> fromBytes = new ArrayList<>();
        PrometheusTextParser.parse(new ByteArrayInputStream(text.toString().getBytes(StandardCharsets.UTF_8)),
            fromBytes::add);
        assertEquals(PrometheusTextParser.parse(text).samples(), fromBytes);
    }

    /** Bytes that are not UTF-8 are refused where they stand, also far into the stream, and never replaced. */
    @ParameterizedTest
    @CsvSource({
        "'m{l=\"ab', FF, '\"} 1', 8, 0xFF",
        "'# HELP m caf', C3, '', 13, 0xC3",
        "'m{l=\"', 'C3 28', '\"} 1', 6, 0xC3",
        "'m{l=\"x', 'ED A0 80', '\"} 1', 7, 0xED",
    })
    void shouldRefuseBytesThatAreNotUtf8AtTheirLineAndColumn(final String before, final String bad,
        final String after, final int column, final String shown)
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final byte[] goodLine = "good_metric_with_a_long_name{label=\"\u00E9\"} 1\n".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 1000; i++)
        {
            bytes.writeBytes(goodLine);
        }
        bytes.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        for (final String hex : bad.split(" "))
        {
            bytes.write(Integer.parseInt(hex, 16));
        }
        bytes.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        final List<Sample> delivered = new ArrayList<>();
        final ExpositionFormatException e = assertThrows(ExpositionFormatException.class,
            () -> PrometheusTextParser.parse(new ByteArrayInputStream(bytes.toByteArray()), delivered::add));
        assertEquals(1001, e.line(), e.getMessage());
        assertEquals(column, e.column(), e.getMessage());
        assertTrue(e.getMessage().contains("not UTF-8: " + shown), e.getMessage());
        assertEquals(1000, delivered.size());
    }

    @Test
    void shouldStreamSamplesToAHandlerInOrder() throws IOException
    {
        final List<String> events = new ArrayList<>();
        try (Reader reader = new InputStreamReader(resource(), StandardCharsets.UTF_8))
        {
            PrometheusTextParser.parse(reader, new PrometheusTextParser.Handler()
            {
                @Override
                public void help(final String family, final String text)
                {
                    events.add("help " + family);
                }

                @Override
                public void type(final String family, final MetricType type)
                {
                    events.add("type " + family);
                }

                @Override
                public void sample(final Sample sample)
                {
                    events.add("sample " + sample.family());
                }
            });
        }
        assertEquals(237 + 237 + 1857, events.size());
        assertEquals(List.of("help go_gc_cycles_automatic_gc_cycles_total",
            "type go_gc_cycles_automatic_gc_cycles_total", "sample go_gc_cycles_automatic_gc_cycles_total"),
            events.subList(0, 3));
    }

    private static List<Sample> samplesOf(final PrometheusTextParser.Exposition exposition, final String family)
    {
        return exposition.samples().stream().filter(s -> s.family().equals(family)).toList();
    }

    private static String fixture() throws IOException
    {
        try (InputStream in = resource())
        {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static InputStream resource()
    {
        final InputStream in = PrometheusTextParserTest.class.getResourceAsStream(FIXTURE);
        assertNotNull(in, FIXTURE + " on the test class path (see README.md beside it)");
        return in;
    }
}
