package io.shardwal.ingest;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * Random mutations of the real exposition fixture: windows of its lines with characters inserted, deleted or
 * replaced (quotes, backslashes, braces, NUL, lone surrogates, huge and out-of-range numbers, duplicate TYPE lines,
 * suffixes), and UTF-8 bytes made invalid. Every input must either parse or fail with an
 * {@link ExpositionFormatException} whose line and column lie inside the input, the same through the character and the
 * byte entry points, in bounded time. The seed is printed in every failure; {@code -Dshardwal.seed=N} replays it.
 */
class PrometheusTextParserFuzzTest
{
    private static final String FIXTURE = "prometheus-alltypes.237mfs.prom.txt";
    private static final int MUTANTS = 8_000;
    private static final String[] INSERTS = {
        "\"", "\\", "{", "}", "\u0000", "\n", "\r", "\r\n", "\t", " ", "=", ",", "#", "# ", "1e999", "-1e999", "1e-999",
        "NaN", "+Inf", "-Inf", "+NaN", "Infinity", "nan", "0x1p3", "1_000", "9223372036854775808",
        "-9223372036854775808", "99999999999999999999999999", "# TYPE x histogram\n", "# TYPE x summary\n",
        "# TYPE ", "# HELP ", "# HELP x a\\\\b\\n\n", "_bucket", "_sum", "_count", "le=\"+Inf\"", "le=\"x\"",
        "quantile=\"0.5\"", "\\n", "\\\"", "\\x", "\uD800", "\uDC00", "\uD83D\uDE00", "\u00e9", "\u0085", "\u2028",
        "{}", "a=\"b\"", "a=\"b\",a=\"c\"", "__name__=\"x\"", ":", "\"quoted\"",
    };

    @Test
    void shouldParseOrReportEveryMutantOfARealExpositionAtALineAndColumn() throws IOException
    {
        final long seed = seed();
        final String[] lines = fixture().split("\n", -1);
        final SplittableRandom random = new SplittableRandom(seed);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
        {
            for (int i = 0; i < MUTANTS; i++)
            {
                check(mutant(lines, random), random, "seed " + seed + " (rerun with -Dshardwal.seed=" + seed +
                    "), mutant " + i);
            }
        }, () -> "seed " + seed + " (rerun with -Dshardwal.seed=" + seed + "): the parser took too long");
    }

    private static String mutant(final String[] lines, final SplittableRandom random)
    {
        final int from = random.nextInt(lines.length);
        final int to = Math.min(lines.length, from + 1 + random.nextInt(40));
        final StringBuilder text = new StringBuilder();
        for (int i = from; i < to; i++)
        {
            text.append(lines[i]).append('\n');
        }
        final int mutations = 1 + random.nextInt(4);
        for (int m = 0; m < mutations && !text.isEmpty(); m++)
        {
            final int at = random.nextInt(text.length());
            switch (random.nextInt(5))
            {
                case 0 -> text.insert(at, INSERTS[random.nextInt(INSERTS.length)]);
                case 1 -> text.deleteCharAt(at);
                case 2 -> text.delete(at, Math.min(text.length(), at + random.nextInt(20)));
                case 3 -> text.setLength(at); // a truncated scrape
                default -> text.setCharAt(at, (char)random.nextInt(0x80));
            }
        }
        return text.toString();
    }

    private static void check(final String text, final SplittableRandom random, final String context)
    {
        final String chars = outcome(text, () -> PrometheusTextParser.parse(text).samples().size(), context);
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (!hasLoneSurrogate(text))
        {
            // the same text as UTF-8 bytes: the same samples, or the same error at the same place
            final String fromBytes = outcome(text, () -> parseBytes(bytes), context);
            if (!chars.equals(fromBytes))
            {
                fail(context + ": characters gave " + chars + " but UTF-8 bytes " + fromBytes + " for:\n" + text);
            }
        }
        if (bytes.length > 0)
        {
            bytes[random.nextInt(bytes.length)] = (byte)(0x80 + random.nextInt(0x80));
            outcome(new String(bytes, StandardCharsets.UTF_8), () -> parseBytes(bytes), context);
        }
    }

    /** "samples N" or "error at line L, column C", after checking that an error lies inside {@code text}. */
    private static String outcome(final String text, final Parse parse, final String context)
    {
        try
        {
            return "samples " + parse.run();
        }
        catch (final ExpositionFormatException e)
        {
            final String[] lines = text.split("\n", -1);
            if (e.line() < 1 || e.line() > lines.length || e.column() < 1 ||
                e.column() > lines[e.line() - 1].length() + 1)
            {
                fail(context + ": error outside the input: " + e.getMessage() + " for:\n" + text);
            }
            return "error at line " + e.line() + ", column " + e.column();
        }
        catch (final RuntimeException | IOException e)
        {
            throw new AssertionError(context + ": " + e + " instead of an ExpositionFormatException for:\n" + text, e);
        }
    }

    private static int parseBytes(final byte[] bytes) throws IOException
    {
        final List<Sample> samples = new ArrayList<>();
        PrometheusTextParser.parse(new ByteArrayInputStream(bytes), samples::add);
        return samples.size();
    }

    private static boolean hasLoneSurrogate(final String text)
    {
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1)))
            {
                i++;
            }
            else if (Character.isSurrogate(c))
            {
                return true;
            }
        }
        return false;
    }

    private static long seed()
    {
        final String given = System.getProperty("shardwal.seed");
        return given != null && !given.isBlank() ? Long.parseLong(given.strip()) : System.nanoTime();
    }

    private static String fixture() throws IOException
    {
        try (InputStream in = PrometheusTextParserFuzzTest.class.getResourceAsStream(FIXTURE))
        {
            assertNotNull(in, FIXTURE + " on the test class path (see README.md beside it)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @FunctionalInterface
    private interface Parse
    {
        int run() throws IOException;
    }
}
