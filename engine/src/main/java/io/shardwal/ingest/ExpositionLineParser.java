package io.shardwal.ingest;

import java.util.HashSet;
import java.util.Set;

import io.shardwal.index.Labels;

/**
 * Parses one line of a Prometheus text exposition for {@link PrometheusTextParser}: a cursor over the line that
 * reports errors by column, and the family rules that need the state of earlier lines.
 *
 * <p>Confined to the parsing thread; one instance per line.
 */
final class ExpositionLineParser
{
    private final String line;
    private final int number;
    private final PrometheusTextParser.Families families;
    private final PrometheusTextParser.Handler handler;
    private int at;

    ExpositionLineParser(final String line, final int number, final PrometheusTextParser.Families families,
        final PrometheusTextParser.Handler handler)
    {
        this.line = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        this.number = number;
        this.families = families;
        this.handler = handler;
    }

    void parse()
    {
        skipBlanks();
        if (at == line.length())
        {
            return;
        }
        if (line.charAt(at) == '#')
        {
            comment();
        }
        else
        {
            sample();
        }
    }

    // ------------------------------------------------------------ comments, HELP, TYPE

    private void comment()
    {
        at++;
        skipBlanks();
        final int keywordStart = at;
        while (at < line.length() && !isBlank(line.charAt(at)))
        {
            at++;
        }
        final String keyword = line.substring(keywordStart, at);
        if (!keyword.equals("HELP") && !keyword.equals("TYPE"))
        {
            return; // an ordinary comment
        }
        if (!skipBlanks())
        {
            throw error("expected a metric name after # " + keyword);
        }
        final String family = metricName();
        if (keyword.equals("HELP"))
        {
            help(family);
        }
        else
        {
            type(family);
        }
    }

    private void help(final String family)
    {
        if (at < line.length() && !isBlank(line.charAt(at)))
        {
            throw error("expected a blank after the metric name in # HELP");
        }
        if (at < line.length())
        {
            at++; // one blank separates the name from the text
        }
        if (families.helped.put(family, Boolean.TRUE) != null)
        {
            throw error("second # HELP line for metric family '" + family + "'");
        }
        final StringBuilder text = new StringBuilder();
        while (at < line.length())
        {
            final char c = line.charAt(at++);
            if (c != '\\')
            {
                text.append(c);
                continue;
            }
            if (at == line.length())
            {
                throw error("unfinished escape sequence at the end of # HELP text");
            }
            final char e = line.charAt(at++);
            switch (e)
            {
                case '\\' -> text.append('\\');
                case 'n' -> text.append('\n');
                default ->
                {
                    at -= 2;
                    throw error("invalid escape sequence '\\" + e + "' in # HELP text (only \\\\ and \\n)");
                }
            }
        }
        handler.help(family, text.toString());
    }

    private void type(final String family)
    {
        if (!skipBlanks())
        {
            throw error("expected a type after the metric name in # TYPE");
        }
        final int start = at;
        while (at < line.length() && !isBlank(line.charAt(at)))
        {
            at++;
        }
        final String word = line.substring(start, at);
        final MetricType type = MetricType.parse(word);
        if (type == null)
        {
            at = start;
            throw error("unknown metric type '" + word + "' (counter, gauge, histogram, summary or untyped)");
        }
        skipBlanks();
        if (at != line.length())
        {
            throw error("unexpected text after the type in # TYPE");
        }
        if (families.types.containsKey(family))
        {
            at = 0;
            throw error("second # TYPE line for metric family '" + family + "'");
        }
        for (final String sampled : sampleNames(family, type))
        {
            if (families.sampled.containsKey(sampled))
            {
                at = 0;
                throw error("# TYPE line for metric family '" + family + "' after its samples");
            }
        }
        families.types.put(family, type);
        handler.type(family, type);
    }

    /** The sample names a family of {@code type} owns; others with these suffixes are families of their own. */
    private static String[] sampleNames(final String family, final MetricType type)
    {
        return switch (type)
        {
            case HISTOGRAM -> new String[] {family, family + "_bucket", family + "_sum", family + "_count"};
            case SUMMARY -> new String[] {family, family + "_sum", family + "_count"};
            default -> new String[] {family};
        };
    }

    // ------------------------------------------------------------ samples

    private void sample()
    {
        final int nameColumn = at;
        final String name = metricName();
        final Labels.Builder labels = Labels.builder();
        final Set<String> labelNames = new HashSet<>(); // not a list: contains() would be quadratic
        String le = null;
        String quantile = null;
        boolean blank = skipBlanks();
        if (at < line.length() && line.charAt(at) == '{')
        {
            at++;
            while (true)
            {
                skipBlanks();
                expectMore("a label name or '}'");
                if (line.charAt(at) == '}')
                {
                    at++;
                    break;
                }
                final int labelColumn = at;
                final String labelName = labelName();
                if (labelName.equals("__name__"))
                {
                    at = labelColumn;
                    throw error("label name '__name__' is reserved for the metric name");
                }
                if (!labelNames.add(labelName))
                {
                    at = labelColumn;
                    throw error("duplicate label name '" + labelName + "'");
                }
                skipBlanks();
                expect('=', "'=' after label name '" + labelName + "'");
                skipBlanks();
                final String value = labelValue(labelName);
                labels.add(labelName, value);
                if (labelName.equals("le"))
                {
                    le = value;
                }
                else if (labelName.equals("quantile"))
                {
                    quantile = value;
                }
                skipBlanks();
                expectMore("',' or '}' after the value of label '" + labelName + "'");
                if (line.charAt(at) == ',')
                {
                    at++;
                }
                else if (line.charAt(at) != '}')
                {
                    throw error("expected ',' or '}' after the value of label '" + labelName + "'");
                }
            }
            blank = skipBlanks();
        }
        if (!blank)
        {
            expectMore("a blank and a value after '" + name + "'");
            throw error("expected a blank before the value of '" + name + "'");
        }
        expectMore("a value for '" + name + "'");
        final double value = parseValue(token(), "sample value");
        long timestamp = Sample.NO_TIMESTAMP;
        if (skipBlanks() && at < line.length())
        {
            timestamp = parseTimestamp(token());
            skipBlanks();
        }
        if (at != line.length())
        {
            throw error("unexpected text after the sample of '" + name + "'");
        }
        final String family = families.familyOf(name);
        checkFamilyRules(family, name, le, quantile, nameColumn);
        families.sampled.put(family, Boolean.TRUE);
        handler.sample(new Sample(family, name, labels.build(), value, timestamp));
    }

    private void checkFamilyRules(
        final String family, final String name, final String le, final String quantile, final int nameColumn)
    {
        final MetricType type = families.typeOf(family);
        if (type == MetricType.HISTOGRAM)
        {
            if (name.equals(family))
            {
                at = nameColumn;
                throw error("histogram '" + family + "' has a sample without a _bucket, _sum or _count suffix");
            }
            if (name.endsWith("_bucket"))
            {
                if (le == null)
                {
                    at = nameColumn;
                    throw error("histogram bucket '" + name + "' has no 'le' label");
                }
                parseLabelNumber(le, "le", nameColumn);
            }
        }
        else if (type == MetricType.SUMMARY && name.equals(family))
        {
            if (quantile == null)
            {
                at = nameColumn;
                throw error("summary quantile '" + name + "' has no 'quantile' label");
            }
            parseLabelNumber(quantile, "quantile", nameColumn);
        }
    }

    private void parseLabelNumber(final String text, final String label, final int column)
    {
        if (!isFloat(text))
        {
            at = column;
            throw error("label '" + label + "' must be a number, got \"" + text + "\"");
        }
    }

    // ------------------------------------------------------------ tokens

    private String metricName()
    {
        final int start = at;
        if (at < line.length() && isNameStart(line.charAt(at), true))
        {
            at++;
            while (at < line.length() && isNamePart(line.charAt(at), true))
            {
                at++;
            }
            return line.substring(start, at);
        }
        if (at < line.length() && line.charAt(at) == '"')
        {
            throw error("quoted metric names are not supported");
        }
        throw error("expected a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)" + found());
    }

    private String labelName()
    {
        final int start = at;
        if (at < line.length() && isNameStart(line.charAt(at), false))
        {
            at++;
            while (at < line.length() && isNamePart(line.charAt(at), false))
            {
                at++;
            }
            return line.substring(start, at);
        }
        if (at < line.length() && line.charAt(at) == '"')
        {
            throw error("quoted label names are not supported");
        }
        throw error("expected a label name ([a-zA-Z_][a-zA-Z0-9_]*)" + found());
    }

    private String labelValue(final String labelName)
    {
        expect('"', "'\"' to open the value of label '" + labelName + "'");
        final StringBuilder value = new StringBuilder();
        while (true)
        {
            if (at == line.length())
            {
                throw error("unterminated value of label '" + labelName + "' (missing '\"')");
            }
            final char c = line.charAt(at++);
            if (c == '"')
            {
                return value.toString();
            }
            if (Character.isSurrogate(c))
            {
                if (!Character.isHighSurrogate(c) || at == line.length() || !Character.isLowSurrogate(line.charAt(at)))
                {
                    at--;
                    throw error("invalid UTF-16 (a lone surrogate) in the value of label '" + labelName + "'");
                }
                value.append(c).append(line.charAt(at++));
                continue;
            }
            if (c != '\\')
            {
                value.append(c);
                continue;
            }
            if (at == line.length())
            {
                throw error("unterminated escape sequence in the value of label '" + labelName + "'");
            }
            final char e = line.charAt(at++);
            switch (e)
            {
                case '\\' -> value.append('\\');
                case '"' -> value.append('"');
                case 'n' -> value.append('\n');
                default ->
                {
                    at -= 2;
                    throw error("invalid escape sequence '\\" + e + "' in the value of label '" + labelName +
                        "' (only \\\\, \\\" and \\n)");
                }
            }
        }
    }

    private String token()
    {
        final int start = at;
        while (at < line.length() && !isBlank(line.charAt(at)))
        {
            at++;
        }
        final String token = line.substring(start, at);
        at = start; // errors point at the token's first character
        return token;
    }

    private double parseValue(final String token, final String what)
    {
        if (!isFloatSyntax(token))
        {
            throw error("invalid " + what + " '" + token + "'");
        }
        final String lower = token.toLowerCase(java.util.Locale.ROOT);
        final double value;
        if (lower.equals("nan"))
        {
            value = Double.NaN;
        }
        else if (lower.endsWith("inf") || lower.endsWith("infinity"))
        {
            value = lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        else
        {
            value = Double.parseDouble(token);
            if (Double.isInfinite(value))
            {
                throw error(what + " '" + token + "' is out of range (beyond the largest float64)");
            }
        }
        at += token.length();
        return value;
    }

    private long parseTimestamp(final String token)
    {
        if (!isInteger(token))
        {
            throw error("invalid timestamp '" + token + "' (integer milliseconds expected)");
        }
        final long timestamp;
        try
        {
            timestamp = Long.parseLong(token);
        }
        catch (final NumberFormatException e)
        {
            throw error("timestamp " + token + " is out of range (int64 milliseconds)");
        }
        if (timestamp == Sample.NO_TIMESTAMP)
        {
            throw error("timestamp " + token + " is out of range (the smallest int64 stands for no timestamp)");
        }
        at += token.length();
        return timestamp;
    }

    /** An optional sign and ASCII digits ({@link Long#parseLong} also takes other scripts' digits). */
    private static boolean isInteger(final String s)
    {
        final int first = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-') ? 1 : 0;
        if (first == s.length())
        {
            return false;
        }
        for (int i = first; i < s.length(); i++)
        {
            if (s.charAt(i) < '0' || s.charAt(i) > '9')
            {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------ helpers

    /** Skips spaces and tabs; returns whether there were any. */
    private boolean skipBlanks()
    {
        final int start = at;
        while (at < line.length() && isBlank(line.charAt(at)))
        {
            at++;
        }
        return at > start;
    }

    private void expect(final char c, final String what)
    {
        if (at == line.length() || line.charAt(at) != c)
        {
            throw error("expected " + what + found());
        }
        at++;
    }

    private void expectMore(final String what)
    {
        if (at == line.length())
        {
            throw error("expected " + what + " but the line ends");
        }
    }

    private String found()
    {
        return at == line.length() ? " but the line ends" : ", found '" + line.charAt(at) + "'";
    }

    private ExpositionFormatException error(final String message)
    {
        return new ExpositionFormatException(number, at + 1, message, line);
    }

    /**
     * Whether {@code s} is a float as Go's ParseFloat reads it, less the hexadecimal form and digit underscores
     * that the Prometheus parsers refuse: decimal with an optional exponent, {@code inf} or {@code infinity} with an
     * optional sign, {@code nan} without one (any case); a decimal beyond the largest float64 is out of range
     * (ParseFloat's ErrRange), one below the smallest is zero.
     */
    static boolean isFloat(final String s)
    {
        if (!isFloatSyntax(s))
        {
            return false;
        }
        final char last = s.charAt(s.length() - 1);
        final boolean decimal = last >= '0' && last <= '9' || last == '.';
        return !decimal || !Double.isInfinite(Double.parseDouble(s));
    }

    /** {@link #isFloat} without the range check. */
    private static boolean isFloatSyntax(final String s)
    {
        int i = 0;
        final int n = s.length();
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-'))
        {
            i++;
        }
        final String rest = s.substring(i).toLowerCase(java.util.Locale.ROOT);
        if (rest.equals("nan"))
        {
            return i == 0;
        }
        if (rest.equals("inf") || rest.equals("infinity"))
        {
            return true;
        }
        final int digitsStart = i;
        while (i < n && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128)
        {
            i++;
        }
        int digits = i - digitsStart;
        if (i < n && s.charAt(i) == '.')
        {
            i++;
            final int fractionStart = i;
            while (i < n && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128)
            {
                i++;
            }
            digits += i - fractionStart;
        }
        if (digits == 0)
        {
            return false;
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E'))
        {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-'))
            {
                i++;
            }
            final int exponentStart = i;
            while (i < n && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128)
            {
                i++;
            }
            if (i == exponentStart)
            {
                return false;
            }
        }
        return i == n;
    }

    private static boolean isBlank(final char c)
    {
        return c == ' ' || c == '\t';
    }

    private static boolean isNameStart(final char c, final boolean colon)
    {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || colon && c == ':';
    }

    private static boolean isNamePart(final char c, final boolean colon)
    {
        return isNameStart(c, colon) || c >= '0' && c <= '9';
    }
}
