package io.shardwal.index;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * What a (fully anchored, {@code DOTALL}) regex reduces to, found by a conservative scan of its source, so the index
 * can avoid running the regex: {@code .*} matches everything, {@code .+} every non-empty value, a literal or an
 * alternation of literals ({@code a|b|c}, optionally in one group) is a set of equality lookups, {@code lit.*} is a
 * prefix test, and any other regex still gets the longest literal prefix every match must start with, used to narrow
 * the values before the regex runs. When in doubt the scan answers {@link Kind#GENERAL} with no prefix, which is
 * always correct.
 *
 * <p>The scan reads the regex after the rewrite {@link java.util.regex.Pattern} itself applies before parsing, which
 * turns {@code \Q...\E} quotes into escaped characters ({@link #unquote}): a quoted {@code (} or {@code |} is then
 * the literal it is, and a quantifier after an empty quote ({@code a\Q\E*}) visibly applies to what precedes it.
 *
 * <p>It reads only regexes that {@link Re2Refusals} let through ({@link Matcher} compiles a regex before it asks for
 * its shape), so none of the Java constructs RE2 refuses: no {@code \cX}, no comments mode {@code (?x)}, no escaped
 * non-ASCII character, no lone surrogate.
 */
final class RegexShape
{
    enum Kind
    {
        /** {@code .*}: every value including "". */
        ANY,
        /** {@code .+}: every non-empty value. */
        NON_EMPTY,
        /** A finite set of literal values (one literal is a set of one). */
        SET,
        /** {@code prefix.*}: every value starting with {@link #prefix}. */
        PREFIX,
        /** Anything else; {@link #prefix} (possibly "") is a necessary prefix of every match. */
        GENERAL
    }

    private static final String META = "\\^$.|?*+()[]{}";

    final Kind kind;
    final String prefix;
    final List<String> literals;

    private RegexShape(final Kind kind, final String prefix, final List<String> literals)
    {
        this.kind = kind;
        this.prefix = prefix;
        this.literals = literals;
    }

    static RegexShape of(final String source)
    {
        final String regex = unquote(source);
        if (regex.equals(".*"))
        {
            return new RegexShape(Kind.ANY, "", List.of());
        }
        if (regex.equals(".+"))
        {
            return new RegexShape(Kind.NON_EMPTY, "", List.of());
        }
        final List<String> set = literalAlternation(unwrapGroup(regex));
        if (set != null)
        {
            // without repeats ("a|a"): each literal becomes a label pair, and a pair given twice lists its series twice
            return new RegexShape(Kind.SET, "", List.copyOf(new LinkedHashSet<>(set)));
        }
        final StringBuilder literal = new StringBuilder();
        final int stop = scanLiteral(regex, 0, literal);
        if (stop == regex.length() - 2 && regex.endsWith(".*"))
        {
            return new RegexShape(Kind.PREFIX, literal.toString(), List.of());
        }
        return new RegexShape(Kind.GENERAL, necessaryPrefix(regex, literal, stop), List.of());
    }

    /** {@code (a|b)} or {@code (?:a|b)} without further groups becomes {@code a|b}; anything else is unchanged. */
    private static String unwrapGroup(final String regex)
    {
        final int open = regex.startsWith("(?:") ? 3 : regex.startsWith("(") && !regex.startsWith("(?") ? 1 : 0;
        if (open == 0 || !regex.endsWith(")") || regex.endsWith("\\)"))
        {
            return regex;
        }
        final String inner = regex.substring(open, regex.length() - 1);
        return inner.indexOf('(') < 0 && inner.indexOf(')') < 0 ? inner : regex;
    }

    /** The alternatives if {@code regex} is only literals separated by top-level {@code |}, otherwise null. */
    private static List<String> literalAlternation(final String regex)
    {
        final List<String> parts = new ArrayList<>();
        int i = 0;
        while (true)
        {
            final StringBuilder literal = new StringBuilder();
            i = scanLiteral(regex, i, literal);
            parts.add(literal.toString());
            if (i == regex.length())
            {
                return parts;
            }
            if (regex.charAt(i) != '|')
            {
                return null;
            }
            i++;
        }
    }

    /** Appends the literal characters from {@code from} to {@code out}; returns the index of the first non-literal. */
    private static int scanLiteral(final String regex, final int from, final StringBuilder out)
    {
        int i = from;
        while (i < regex.length())
        {
            final char c = regex.charAt(i);
            if (c == '\\')
            {
                // an escaped character other than a letter or digit is itself (always ASCII: see the class comment)
                if (i + 1 < regex.length() && !Character.isLetterOrDigit(regex.charAt(i + 1)))
                {
                    out.append(regex.charAt(i + 1));
                    i += 2;
                    continue;
                }
                return i;
            }
            if (META.indexOf(c) >= 0)
            {
                return i;
            }
            out.append(c);
            i++;
        }
        return i;
    }

    /**
     * The literal run before {@code stop} minus its last character if a quantifier that may repeat it zero times
     * follows, also behind flag groups and a {@code +}, since RE2 repeats what precedes a flag group or an empty
     * quote ({@code ab(?i)*} and {@code ab+\Q\E?} match {@code a}); or "" if the regex has an alternation that might
     * be at the top level.
     */
    private static String necessaryPrefix(final String regex, final StringBuilder literal, final int stop)
    {
        if (literal.isEmpty() || mayHaveTopLevelAlternation(regex))
        {
            return "";
        }
        char next = '+';
        for (int at = stop; next == '+'; at++) // "+?" may be "+\Q\E?" to RE2, which is not lazy: a ? next drops too
        {
            for (int end = flagGroupEnd(regex, at); end > 0; end = flagGroupEnd(regex, at))
            {
                at = end;
            }
            next = at < regex.length() ? regex.charAt(at) : 0;
        }
        if (next == '*' || next == '?' || next == '{')
        {
            // the last literal is a code unit; never split a surrogate pair
            int keep = literal.length() - 1;
            if (keep > 0 && Character.isLowSurrogate(literal.charAt(keep)))
            {
                keep--;
            }
            return literal.substring(0, keep);
        }
        return literal.toString();
    }

    /** The index after the flag group ({@code (?i)}, {@code (?-s)}) at {@code at}, or -1 if none is there. */
    private static int flagGroupEnd(final String regex, final int at)
    {
        if (!regex.startsWith("(?", at))
        {
            return -1;
        }
        int i = at + 2;
        while (i < regex.length() && (isAsciiLetter(regex.charAt(i)) || regex.charAt(i) == '-'))
        {
            i++;
        }
        return i < regex.length() && regex.charAt(i) == ')' ? i + 1 : -1;
    }

    /**
     * Whether a {@code |} might be outside every group. Conservative: true when a character class makes depth
     * tracking subtle. Every escape is a backslash and one character here: the regex has passed
     * {@link Re2Refusals}, which refuses Java's {@code \cX} (where the X could be a backslash too), and
     * {@link #unquote} writes none; nor can Java's comments mode ({@code (?x)}) hide structure, as the flag is refused
     * there too.
     */
    private static boolean mayHaveTopLevelAlternation(final String regex)
    {
        if (regex.indexOf('|') < 0)
        {
            return false;
        }
        if (regex.indexOf('[') >= 0)
        {
            return true;
        }
        int depth = 0;
        for (int i = 0; i < regex.length(); i++)
        {
            final char c = regex.charAt(i);
            if (c == '\\')
            {
                i++; // the escaped character is no structure
            }
            else if (c == '(')
            {
                depth++;
            }
            else if (c == ')')
            {
                depth--;
            }
            else if (c == '|' && depth <= 0)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code regex} with each {@code \Q...\E} quote replaced by the escaped characters it stands for, exactly as
     * {@code Pattern.RemoveQEQuoting} does before {@link java.util.regex.Pattern} parses: outside a quote a backslash
     * escapes the next character (so {@code \\Q} starts no quote); inside one, letters and non-ASCII characters
     * stay, a digit right after {@code \Q} becomes {@code \x3}digit (so no escape before the quote absorbs it), and
     * every other character, a backslash included, is escaped. A quote runs to {@code \E} or the end.
     */
    private static String unquote(final String regex)
    {
        if (!regex.contains("\\Q"))
        {
            return regex;
        }
        final StringBuilder out = new StringBuilder(2 * regex.length());
        boolean quoted = false;
        boolean quoteStart = false;
        int i = 0;
        while (i < regex.length())
        {
            final char c = regex.charAt(i++);
            if (c == '\\' && i < regex.length() && regex.charAt(i) == (quoted ? 'E' : 'Q'))
            {
                i++;
                quoted = !quoted;
                quoteStart = quoted;
                continue;
            }
            if (!quoted || c > 0x7F || isAsciiLetter(c))
            {
                out.append(c);
                if (!quoted && c == '\\' && i < regex.length())
                {
                    out.append(regex.charAt(i++));
                }
            }
            else if (c >= '0' && c <= '9')
            {
                out.append(quoteStart ? "\\x3" : "").append(c);
            }
            else
            {
                out.append('\\').append(c);
            }
            quoteStart = false;
        }
        return out.toString();
    }

    private static boolean isAsciiLetter(final char c)
    {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
