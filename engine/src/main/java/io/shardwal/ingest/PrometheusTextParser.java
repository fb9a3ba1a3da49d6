package io.shardwal.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;


/**
 * A parser for the Prometheus text exposition format (version 0.0.4): {@code # HELP} and {@code # TYPE} lines, other
 * comments, and samples {@code name{label="value",...} value [timestamp]}. Label values may escape {@code \\},
 * {@code \"} and {@code \n}; HELP text {@code \\} and {@code \n}. Values are floats including {@code NaN},
 * {@code +Inf} and {@code -Inf}; timestamps are integer milliseconds, any int64 but the smallest (which is
 * {@link Sample#NO_TIMESTAMP}).
 *
 * <p>Each sample is attributed to its metric family: a histogram {@code x} owns {@code x_bucket}, {@code x_sum} and
 * {@code x_count}, a summary {@code x} owns {@code x} (with {@code quantile}), {@code x_sum} and {@code x_count}. The
 * format's rules are checked: a TYPE line comes before the family's samples and at most once, HELP at most once,
 * a histogram bucket carries a numeric {@code le} and a summary quantile a numeric {@code quantile}, label names are
 * unique. Any violation is an {@link ExpositionFormatException} with the line and column.
 *
 * <p>Lines end at a line feed; a carriage return just before it is ignored, anywhere else it is a character of the
 * line (as in the format: a label value may hold one, a sample value may not).
 *
 * <p>Not supported: the OpenMetrics format and quoted UTF-8 metric or label names (reported as errors; a
 * {@code # EOF} line is an ordinary comment). The parser is stateless; each call is independent and thread-confined.
 */
public final class PrometheusTextParser
{
    /**
     * The longest line, in characters before its line feed, that the parser reads: a longer one is an
     * {@link ExpositionFormatException} as soon as the limit is passed, so that endless or hostile input cannot
     * exhaust the heap. It is far above any real line (the index takes label strings of up to 64 KiB).
     */
    public static final int MAX_LINE_LENGTH = 1 << 20;

    private PrometheusTextParser()
    {
    }

    /** Receives what the parser finds, in input order. */
    public interface Handler
    {
        /** A {@code # HELP} line, unescaped. */
        default void help(final String family, final String text)
        {
        }

        /** A {@code # TYPE} line. */
        default void type(final String family, final MetricType type)
        {
        }

        /** A sample. */
        void sample(Sample sample);
    }

    /** Everything in one exposition: the families in order of first appearance and all samples in input order. */
    public record Exposition(Map<String, MetricFamily> families, List<Sample> samples)
    {
    }

    /** Parses {@code text} into an {@link Exposition}. */
    public static Exposition parse(final CharSequence text)
    {
        final Map<String, MetricFamily> families = new LinkedHashMap<>();
        final List<Sample> samples = new ArrayList<>();
        parse(text, new Handler()
        {
            @Override
            public void help(final String family, final String help)
            {
                final MetricFamily f = families.get(family);
                families.put(family, new MetricFamily(family, f == null ? MetricType.UNTYPED : f.type(), help));
            }

            @Override
            public void type(final String family, final MetricType type)
            {
                final MetricFamily f = families.get(family);
                families.put(family, new MetricFamily(family, type, f == null ? "" : f.help()));
            }

            @Override
            public void sample(final Sample sample)
            {
                families.putIfAbsent(sample.family(), new MetricFamily(sample.family(), MetricType.UNTYPED, ""));
                samples.add(sample);
            }
        });
        return new Exposition(java.util.Collections.unmodifiableMap(families), List.copyOf(samples));
    }

    /** Parses {@code text}, calling {@code handler} for each HELP, TYPE and sample. */
    public static void parse(final CharSequence text, final Handler handler)
    {
        try
        {
            parse(new StringReader(text.toString()), handler);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e); // a StringReader does not fail
        }
    }

    /**
     * Parses lines from {@code reader} until its end, calling {@code handler} as it goes (streaming: nothing but the
     * families' state is kept, and one line of at most {@link #MAX_LINE_LENGTH} characters).
     *
     * @throws ExpositionFormatException at the first malformed or overlong line.
     */
    public static void parse(final Reader reader, final Handler handler) throws IOException
    {
        final ExpositionLines lines = new ExpositionLines(reader, MAX_LINE_LENGTH);
        final Families families = new Families();
        int number = 0;
        for (String line = lines.next(number + 1); line != null; line = lines.next(number + 1))
        {
            number++;
            new ExpositionLineParser(line, number, families, handler).parse();
        }
    }

    /**
     * Parses UTF-8 text from {@code in} (a scrape body, a file) until its end, as {@link #parse(Reader, Handler)}.
     * Bytes that are not UTF-8 are an {@link ExpositionFormatException} at their line and column, never replaced;
     * prefer this to wrapping a stream in an {@link java.io.InputStreamReader}, which replaces them silently.
     */
    public static void parse(final InputStream in, final Handler handler) throws IOException
    {
        parse(new StrictUtf8Reader(in), handler);
    }

    /** What the parser remembers per family: its type, whether it had HELP, and whether samples were seen. */
    static final class Families
    {
        final Map<String, MetricType> types = new HashMap<>();
        final Map<String, Boolean> helped = new HashMap<>();
        final Map<String, Boolean> sampled = new HashMap<>();

        MetricType typeOf(final String family)
        {
            return types.getOrDefault(family, MetricType.UNTYPED);
        }

        /** The family of a sample named {@code name}. */
        String familyOf(final String name)
        {
            if (types.containsKey(name))
            {
                return name;
            }
            for (final String suffix : new String[] {"_bucket", "_sum", "_count"})
            {
                if (name.endsWith(suffix))
                {
                    final String base = name.substring(0, name.length() - suffix.length());
                    final MetricType type = types.get(base);
                    if (type == MetricType.HISTOGRAM || type == MetricType.SUMMARY && !suffix.equals("_bucket"))
                    {
                        return base;
                    }
                }
            }
            return name;
        }
    }

}
