package io.shardwal.index;

import java.util.Arrays;
import java.util.Locale;
import java.util.regex.PatternSyntaxException;

/**
 * Refuses the constructs that RE2 (Prometheus' engine) refuses but {@link java.util.regex} would accept and match by
 * its own rules, so that a query Prometheus answers with an error gets an error here too instead of results. Each is
 * a {@link PatternSyntaxException} naming the construct, with its index into the regex as written; it runs over that
 * regex before {@link Re2Syntax} rewrites it, reading it as RE2 does:
 * <ul>
 *   <li><em>An unpaired surrogate</em> (a lone U+D800, say), anywhere: a Go regex is a UTF-8 string, which cannot
 *       hold one, so the bytes it would become are refused ("invalid UTF-8"); java.util.regex took it and matched
 *       only a value with the same lone surrogate, which no stored label value has. An escape of a surrogate's code
 *       point ({@code \x{d800}}) is taken, as RE2 takes it.</li>
 *   <li><em>A repetition of nothing</em> ({@code {2}a}, {@code a|{2}}), which Java takes ("missing argument to
 *       repetition operator").</li>
 *   <li><em>A repetition of a repetition</em>: Java's possessive {@code a*+}, {@code a?+}, {@code a{2,}+} and its
 *       stacked {@code a{2}{3}} and {@code a*{2}} ("invalid nested repetition operator" in RE2). A lazy
 *       {@code a*?}, {@code a{2}?} is one repetition in both and stays.</li>
 *   <li><em>A repeat count above 1000</em> ({@code a{1001}}), also as the product of nested counts
 *       ({@code (a{100}){100}}), which RE2 limits ("invalid repeat count") and Java does not.</li>
 *   <li><em>Every {@code (?} construct but a named group and a group with flags</em>: lookaround
 *       ({@code (?=}, {@code (?!}, {@code (?<=}, {@code (?<!}), atomic groups ({@code (?>}), Java's comments;
 *       and, among flags, any but {@code i}, {@code m}, {@code s} and {@code U} (Java's {@code x}, {@code d},
 *       {@code u}, {@code c}), a second {@code -} and a {@code -} with no flag after it.</li>
 *   <li><em>An escape RE2 does not know</em>: RE2 takes {@code \a \f \t \n \r \v}, octal, {@code \x}, {@code \d \s
 *       \w} and their negations, {@code \p}, escaped ASCII punctuation, and outside a class {@code \A \z \b \B} and
 *       {@code \Q...\E}; it refuses the others, which Java reads as characters or assertions ({@code \h}, {@code \R},
 *       {@code \X}, {@code \G}, {@code \Z}, {@code \e}, {@code \cX}, {@code \u1234}, {@code \N{..}}, {@code \k<..>},
 *       an escaped non-ASCII letter) or, inside a class, as a quote ({@code [\Q]\E]}).</li>
 *   <li><em>A backreference</em>: {@code \1} to {@code \9} that start no octal escape.</li>
 *   <li><em>A POSIX class RE2 does not know</em> ({@code [[:foo:]]}: Java reads a nested class of its letters).</li>
 *   <li><em>A Unicode class RE2 does not know</em> ({@link Re2Properties}).</li>
 * </ul>
 * Other regexes that both refuse are left to {@link java.util.regex.Pattern} to report.
 *
 * <p>One instance per check; {@link #check} is thread-safe.
 */
final class Re2Refusals
{
    /** RE2's largest repeat count, and the most copies of one thing that nested counts may make. */
    private static final int MAX_REPEAT = 1000;

    private final String regex;
    /**
     * Whether something precedes that a repetition could repeat (not so at the start of a group or alternative); a
     * flag group or an empty quote is nothing to RE2, and leaves it as it was.
     */
    private boolean atom;
    /**
     * Whether the last token was a repetition (with the {@code ?} that makes it lazy), which a repetition next would
     * repeat ("invalid nested repetition operator"); RE2 forgets it at any other token, a flag group or an empty
     * quote too ({@code a*\Q\E*} is {@code (a*)*}).
     */
    private boolean repeat;
    /** Where the last repetition starts. */
    private int repeatStart;
    /** How many copies of its innermost part the nested repetitions of the last atom make. */
    private long copies = 1;
    /** The most {@link #copies} of any atom in the group being read; saved per open group. */
    private long groupCopies = 1;
    private long[] saved = new long[8];
    private int depth;

    private Re2Refusals(final String regex)
    {
        this.regex = regex;
    }

    /** Throws a {@link PatternSyntaxException} for the first construct in {@code regex} that RE2 refuses. */
    static void check(final String regex)
    {
        checkSurrogates(regex);
        new Re2Refusals(regex).scan();
    }

    /**
     * Refuses an unpaired surrogate, which no UTF-8 string (as Go's regexes are) can hold: Go's regexp/syntax
     * decodes every character of the regex it reads and reports the bytes a lone surrogate would become as "invalid
     * UTF-8". Go reports the first problem in reading order, this one is checked first: the regex is refused either
     * way. An escape of a surrogate's code point ({@code \x{d800}}, {@code [\x{d800}-\x{dfff}]}) is not refused:
     * Go's parser takes any code point up to U+10FFFF there, one that matches no valid UTF-8 text, just as here it
     * matches no label value (they are valid UTF-16: {@link LabelBytes} refuses a lone surrogate).
     */
    private static void checkSurrogates(final String regex)
    {
        for (int i = 0; i < regex.length(); i++)
        {
            final char c = regex.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < regex.length() && Character.isLowSurrogate(regex.charAt(i + 1)))
            {
                i++;
            }
            else if (Character.isSurrogate(c))
            {
                throw new PatternSyntaxException("RE2 refuses invalid UTF-8: unpaired surrogate U+" +
                    Integer.toHexString(c).toUpperCase(Locale.ROOT) + " (a Go regex is UTF-8 text, which cannot hold " +
                    "one)", regex, i);
            }
        }
    }

    /** The refusal of the backreference at {@code at} ({@code \1} to {@code \9} that start no octal escape). */
    static PatternSyntaxException backreference(final String regex, final int at)
    {
        return new PatternSyntaxException("RE2 has no backreferences and refuses \\" + regex.charAt(at + 1) +
            " (an octal escape has two or three digits, or is \\0)", regex, at);
    }

    private void scan()
    {
        final int n = regex.length();
        int i = 0;
        while (i < n)
        {
            final char c = regex.charAt(i);
            final boolean before = repeat;
            repeat = false;
            if (c == '*' || c == '+' || c == '?')
            {
                i = repetition(i, i + 1, -1, -1, before);
            }
            else if (c == '{' && isRepetition(regex, i))
            {
                i = counted(i, before);
            }
            else if (c == '\\')
            {
                i = escape(i);
            }
            else if (c == '[')
            {
                i = characterClass(i);
                atom();
            }
            else if (c == '(')
            {
                i = group(i);
            }
            else if (c == ')')
            {
                close();
                i++;
            }
            else if (c == '|')
            {
                atom = false;
                i++;
            }
            else
            {
                atom(); // a literal, '.', '^' or '$' (RE2 repeats the last three too)
                i += Character.charCount(regex.codePointAt(i));
            }
        }
    }

    /** A token that a repetition could repeat, of one copy. */
    private void atom()
    {
        atom = true;
        copies = 1;
    }

    /** The repetition {@code {n}}, {@code {n,}} or {@code {n,m}} at {@code at}; returns the index after it. */
    private int counted(final int at, final boolean before)
    {
        final int close = regex.indexOf('}', at);
        final int comma = regex.indexOf(',', at);
        final boolean range = comma >= 0 && comma < close;
        final long min = count(at + 1, range ? comma : close);
        final long max = !range ? min : comma + 1 == close ? -1 : count(comma + 1, close);
        if (min > MAX_REPEAT || max > MAX_REPEAT)
        {
            throw new PatternSyntaxException("RE2 refuses the repeat count " + regex.substring(at, close + 1) +
                ": at most " + MAX_REPEAT, regex, at);
        }
        return repetition(at, close + 1, min, max, before);
    }

    /**
     * The repetition from {@code at} to {@code end} (then a {@code ?} that makes it lazy), of {@code min} to
     * {@code max} (-1: unbounded) copies, or -1 and -1 for {@code *}, {@code +} and {@code ?}, which RE2 does not
     * count; {@code before}: whether the last token was a repetition. Returns the index after it.
     */
    private int repetition(final int at, final int end, final long min, final long max, final boolean before)
    {
        final int after = end < regex.length() && regex.charAt(end) == '?' ? end + 1 : end;
        if (!atom)
        {
            throw new PatternSyntaxException("RE2 refuses the repetition " + regex.substring(at, after) +
                " with nothing to repeat (missing argument to repetition operator)", regex, at);
        }
        if (before)
        {
            throw new PatternSyntaxException("RE2 refuses the repetition of a repetition " +
                regex.substring(repeatStart, after) + " (a possessive or stacked repetition operator)", regex,
                repeatStart);
        }
        if (max == 0)
        {
            copies = 1; // RE2 does not count what is repeated zero times
        }
        else if (min >= 0)
        {
            copies *= max < 0 ? Math.max(1, min) : max;
        }
        if (copies > MAX_REPEAT)
        {
            throw new PatternSyntaxException("RE2 refuses the repeat count " + regex.substring(at, end) +
                ": with the repetitions it repeats, it makes " + copies + " copies, more than " + MAX_REPEAT, regex,
                at);
        }
        groupCopies = Math.max(groupCopies, copies);
        repeat = true;
        repeatStart = at;
        return after;
    }

    /** The decimal number in {@code [from, to)}, or more than {@link #MAX_REPEAT} if it is larger. */
    private long count(final int from, final int to)
    {
        return to - from > 4 ? MAX_REPEAT + 1 : Long.parseLong(regex, from, to, 10);
    }

    /** The escape at {@code at} outside a class; returns the index after it. */
    private int escape(final int at)
    {
        final int n = regex.length();
        if (at + 1 >= n)
        {
            return n; // a trailing backslash: java.util.regex refuses it too
        }
        final char e = regex.charAt(at + 1);
        if (e == 'Q')
        {
            final int close = regex.indexOf("\\E", at + 2);
            final int end = close < 0 ? n : close;
            if (end > at + 2)
            {
                atom(); // RE2 reads an empty one as nothing: a repetition next repeats what came before
            }
            return close < 0 ? n : close + 2;
        }
        atom();
        if (e == 'p' || e == 'P')
        {
            final int length = Re2Syntax.escapeLength(regex, at);
            Re2Properties.toJava(regex, at, length);
            return at + length;
        }
        return at + ("dDsSwWAzbB".indexOf(e) >= 0 ? 2 : characterEscape(at, false));
    }

    /**
     * The length of the escape at {@code at} that stands for one character: octal, {@code \x}, a C escape or
     * escaped ASCII punctuation.
     *
     * @throws PatternSyntaxException for any other escape, which RE2 refuses ("invalid escape sequence").
     */
    private int characterEscape(final int at, final boolean inClass)
    {
        final int n = regex.length();
        final char e = regex.charAt(at + 1);
        if (e >= '0' && e <= '9')
        {
            if (e != '0' && (e > '7' || at + 2 >= n || !isOctal(regex.charAt(at + 2))))
            {
                throw backreference(regex, at);
            }
            int i = at + 2;
            while (i < n && i < at + 4 && isOctal(regex.charAt(i)))
            {
                i++;
            }
            return i - at;
        }
        if (e == 'x')
        {
            final int close = regex.startsWith("{", at + 2) ? regex.indexOf('}', at + 3) : -1;
            return close >= 0 ? close + 1 - at : Math.min(4, n - at); // a malformed one: java.util.regex refuses it
        }
        if ("afnrtv".indexOf(e) >= 0 || (e < 0x80 && !Character.isLetterOrDigit(e)))
        {
            return 2;
        }
        final int length =
            Math.max(Re2Syntax.escapeLength(regex, at), 1 + Character.charCount(regex.codePointAt(at + 1)));
        throw new PatternSyntaxException("RE2 refuses the escape " + regex.substring(at, at + length) +
            (inClass ? " inside a class" : "") + " (invalid escape sequence)", regex, at);
    }

    /** The class at {@code at} (a {@code [}), read as RE2 reads one; returns the index after it. */
    private int characterClass(final int at)
    {
        final int n = regex.length();
        int i = regex.startsWith("^", at + 1) ? at + 2 : at + 1;
        boolean first = true; // a ']' right after the opening is a literal
        while (i < n && (regex.charAt(i) != ']' || first))
        {
            first = false;
            final char c = regex.charAt(i);
            final char e = c == '\\' && i + 1 < n ? regex.charAt(i + 1) : 0;
            final int close = c == '[' && i + 2 < n && regex.charAt(i + 1) == ':' ? regex.indexOf(":]", i + 2) : -1;
            if (close >= 0)
            {
                if (Re2Syntax.posixEnd(regex, i) < 0)
                {
                    throw new PatternSyntaxException("RE2 refuses the unknown POSIX class " +
                        regex.substring(i, close + 2), regex, i);
                }
                i = close + 2;
            }
            else if (e == 'p' || e == 'P')
            {
                final int length = Re2Syntax.escapeLength(regex, i);
                Re2Properties.toJava(regex, i, length);
                i += length;
            }
            else if ("dDsSwW".indexOf(e) >= 0)
            {
                i += 2;
            }
            else
            {
                i = classCharacter(i);
                if (i + 1 < n && regex.charAt(i) == '-' && regex.charAt(i + 1) != ']')
                {
                    i = classCharacter(i + 1); // a range: its end is one character too ('[' a literal)
                }
            }
        }
        return Math.min(n, i + 1); // an unterminated class: java.util.regex refuses it too
    }

    /** The index after the character (or escape of one) at {@code at} inside a class. */
    private int classCharacter(final int at)
    {
        if (regex.charAt(at) != '\\')
        {
            return at + Character.charCount(regex.codePointAt(at));
        }
        return at + 1 >= regex.length() ? regex.length() : at + characterEscape(at, true);
    }

    /**
     * The group at {@code at}: a named group or a group with flags opens, a flag group ({@code (?i)}) sets flags
     * only; every other {@code (?} construct is refused. Returns the index after the opening.
     */
    private int group(final int at)
    {
        final int named = Re2Syntax.namedGroupEnd(regex, at);
        if (named > 0 || !regex.startsWith("(?", at))
        {
            open();
            return named > 0 ? named : at + 1;
        }
        int i = at + 2;
        while (i < regex.length() && (Re2Syntax.isAsciiLetter(regex.charAt(i)) || regex.charAt(i) == '-'))
        {
            i++;
        }
        final char end = i < regex.length() ? regex.charAt(i) : 0;
        if (end != ')' && end != ':')
        {
            throw new PatternSyntaxException("RE2 refuses " + perlConstruct(at, i) +
                " (invalid or unsupported Perl syntax)", regex, at);
        }
        checkFlags(at, i);
        if (end == ':')
        {
            open(); // a flag group alone is nothing to a repetition next: it repeats what came before
        }
        return i + 1;
    }

    /** Refuses flags other than RE2's {@code imsU}, a second {@code -} and a {@code -} with no flag after it. */
    private void checkFlags(final int at, final int end)
    {
        final String group = regex.substring(at, end + 1);
        int minus = -1;
        for (int i = at + 2; i < end; i++)
        {
            final char f = regex.charAt(i);
            if (f != '-' && "imsU".indexOf(f) < 0)
            {
                throw new PatternSyntaxException("RE2 refuses the flag " + f + " in " + group +
                    ": it knows the flags i, m, s and U only", regex, at);
            }
            if (f == '-' && minus >= 0)
            {
                throw new PatternSyntaxException("RE2 refuses a second - in the flags " + group, regex, at);
            }
            minus = f == '-' ? i : minus;
        }
        if (minus >= 0 && minus == end - 1)
        {
            throw new PatternSyntaxException("RE2 refuses a - with no flag after it in " + group, regex, at);
        }
    }

    /** What the {@code (?} construct at {@code at} (read to {@code end}) is, for a refusal. */
    private String perlConstruct(final int at, final int end)
    {
        final String[][] known = {
            {"(?=", "lookahead"}, {"(?!", "negative lookahead"}, {"(?<=", "lookbehind"},
            {"(?<!", "negative lookbehind"}, {"(?>", "an atomic group"}, {"(?#", "a comment"},
            {"(?<", "a group name of other than ASCII letters, digits and _"},
            {"(?P<", "a group name of other than ASCII letters, digits and _"},
        };
        for (final String[] construct : known)
        {
            if (regex.startsWith(construct[0], at))
            {
                return construct[0] + " (" + construct[1] + ")";
            }
        }
        return regex.substring(at, Math.min(regex.length(), end + 1));
    }

    /** Enters a group: its atoms' copies are counted apart, and make the group's when it closes. */
    private void open()
    {
        if (depth == saved.length)
        {
            saved = Arrays.copyOf(saved, depth * 2);
        }
        saved[depth++] = groupCopies;
        groupCopies = 1;
        copies = 1;
        atom = false;
    }

    /** Leaves a group, which becomes the last atom, with the most copies of any atom in it. */
    private void close()
    {
        final long inner = groupCopies;
        groupCopies = depth > 0 ? Math.max(saved[--depth], inner) : inner; // an unbalanced ')': Java refuses it
        copies = inner;
        atom = true;
    }

    /**
     * Whether {@code {n}}, {@code {n,}} or {@code {n,m}} starts at {@code at}. As in RE2, a number has no leading
     * zero: {@code a{01}} is a literal there, where java.util.regex read one {@code a}.
     */
    static boolean isRepetition(final String regex, final int at)
    {
        final int min = numberEnd(regex, at + 1);
        if (min < 0 || min == regex.length())
        {
            return false;
        }
        if (regex.charAt(min) != ',')
        {
            return regex.charAt(min) == '}';
        }
        if (regex.startsWith("}", min + 1))
        {
            return true;
        }
        final int max = numberEnd(regex, min + 1);
        return max >= 0 && regex.startsWith("}", max);
    }

    /** The index after the number (digits, no leading zero) at {@code from}, or -1 if none starts there. */
    private static int numberEnd(final String regex, final int from)
    {
        int i = from;
        while (i < regex.length() && isDigit(regex.charAt(i)))
        {
            i++;
        }
        return i == from || (i - from > 1 && regex.charAt(from) == '0') ? -1 : i;
    }

    private static boolean isDigit(final char c)
    {
        return c >= '0' && c <= '9';
    }

    private static boolean isOctal(final char c)
    {
        return c >= '0' && c <= '7';
    }
}
