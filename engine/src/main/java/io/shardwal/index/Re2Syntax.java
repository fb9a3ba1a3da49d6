package io.shardwal.index;

import java.util.Map;

/**
 * Rewrites the parts of RE2's syntax (Prometheus' regexes) that {@link java.util.regex} reads differently, or refuses,
 * into the Java regex that means the same:
 * <ul>
 *   <li><em>POSIX classes</em> ({@code [[:digit:]]}, {@code [^[:space:]x]}, {@code [[:^alpha:]]}). Left alone,
 *       {@link java.util.regex.Pattern} reads {@code [:digit:]} inside a class as a nested class of the characters
 *       {@code :digt}, so {@code [[:digit:]]+} would silently match {@code "dig"} and not {@code "42"}. Each of RE2's
 *       fourteen classes has a Java property of the same ASCII set ({@code \p{Digit}}, ... and {@code \w} for
 *       {@code word}). Only a name inside a class is rewritten, as RE2 reads one only there; an unknown name is left
 *       as it is.</li>
 *   <li><em>A brace that starts no repetition</em> ({@code /users/{id}}, {@code a{,2}}, {@code {x}}): RE2 reads it as a
 *       literal, {@link java.util.regex.Pattern} refuses the regex ("Illegal repetition"). It is escaped unless a
 *       repetition {@code {n}}, {@code {n,}} or {@code {n,m}} follows, which both read alike.</li>
 *   <li><em>Scripts and negated properties</em> ({@code \p{Greek}}, {@code \p{^Han}}, {@code \p{^L}}): Java names
 *       a script {@code \p{IsGreek}} and negates only by {@code \P}, and refuses RE2's forms. They are rewritten.</li>
 *   <li><em>{@code [} and {@code &} inside a class</em> ({@code [[]}, {@code [a[bc]]}, {@code [a&&b]}): RE2 classes
 *       do not nest, so these are literals there, where {@link java.util.regex.Pattern} opens a nested class (or
 *       refuses the regex for want of its {@code ]}) or intersects. They are escaped.</li>
 *   <li><em>Go's named groups</em> ({@code (?P<code>5..)}), which {@link java.util.regex.Pattern} refuses, become
 *       plain groups: a name changes nothing about what a regex matches.</li>
 * </ul>
 *
 * <p>The scan reads the regex as both engines do alike: a backslash escapes the next character (the X of {@code \cX}
 * too, and the braces of {@code \p{..}}, {@code \x{..}} and {@code \N{..}}), {@code \Q...\E} quotes, and a
 * {@code ]} right after a class's {@code [} or {@code [^} is a literal.
 *
 * <p>Stateless and thread-safe.
 */
final class Re2Syntax
{
    private static final Map<String, String> CLASSES = Map.ofEntries(
        Map.entry("alnum", "Alnum"), Map.entry("alpha", "Alpha"), Map.entry("ascii", "ASCII"),
        Map.entry("blank", "Blank"), Map.entry("cntrl", "Cntrl"), Map.entry("digit", "Digit"),
        Map.entry("graph", "Graph"), Map.entry("lower", "Lower"), Map.entry("print", "Print"),
        Map.entry("punct", "Punct"), Map.entry("space", "Space"), Map.entry("upper", "Upper"),
        Map.entry("word", "word"), Map.entry("xdigit", "XDigit"));

    private Re2Syntax()
    {
    }

    /** {@code regex} as a {@link java.util.regex} regex of the same meaning; the same string if nothing differs. */
    static String toJava(final String regex)
    {
        if (regex.indexOf('[') < 0 && regex.indexOf('{') < 0 && !regex.contains("(?P<"))
        {
            return regex;
        }
        final StringBuilder out = new StringBuilder(regex.length() + 16);
        final int n = regex.length();
        boolean inClass = false;
        boolean quoted = false;
        int i = 0;
        while (i < n)
        {
            final char c = regex.charAt(i);
            if (quoted)
            {
                quoted = !(c == '\\' && i + 1 < n && regex.charAt(i + 1) == 'E');
                i = copy(regex, i, quoted ? 1 : 2, out);
            }
            else if (c == '\\')
            {
                quoted = i + 1 < n && regex.charAt(i + 1) == 'Q';
                final int length = escapeLength(regex, i);
                final String property = property(regex.substring(i, i + length));
                if (property != null)
                {
                    out.append(property);
                    i += length;
                }
                else
                {
                    i = copy(regex, i, length, out);
                }
            }
            else if (c == '[' && inClass && posixEnd(regex, i) > 0)
            {
                final int end = posixEnd(regex, i);
                final boolean negated = regex.charAt(i + 2) == '^';
                final String java = CLASSES.get(regex.substring(i + (negated ? 3 : 2), end - 2));
                out.append(java.equals("word") ? (negated ? "\\W" : "\\w") :
                    (negated ? "\\P{" : "\\p{") + java + "}");
                i = end;
            }
            else if (inClass && (c == '[' || c == '&'))
            {
                out.append('\\').append(c);
                i++;
            }
            else if (c == '[')
            {
                inClass = true;
                int open = i + 1;
                if (open < n && regex.charAt(open) == '^')
                {
                    open++;
                }
                // a ']' right after the opening is a literal, in RE2 and in java.util.regex alike
                i = copy(regex, i, open < n && regex.charAt(open) == ']' ? open + 1 - i : open - i, out);
            }
            else if (c == '(' && !inClass && namedGroupEnd(regex, i) > 0)
            {
                out.append('(');
                i = namedGroupEnd(regex, i);
            }
            else if (c == '{' && !inClass && !isRepetition(regex, i))
            {
                out.append("\\{");
                i++;
            }
            else
            {
                inClass &= c != ']';
                i = copy(regex, i, 1, out);
            }
        }
        return out.toString();
    }

    /**
     * The length of the escape at {@code at}: two characters, three for {@code \cX}, and up to the closing brace for
     * {@code \p{..}}, {@code \P{..}}, {@code \x{..}} and {@code \N{..}}.
     */
    private static int escapeLength(final String regex, final int at)
    {
        if (at + 1 >= regex.length())
        {
            return 1;
        }
        final char e = regex.charAt(at + 1);
        if (e == 'c')
        {
            return Math.min(3, regex.length() - at); // a regex may end in \c
        }
        if ((e == 'p' || e == 'P' || e == 'x' || e == 'N') && regex.startsWith("{", at + 2))
        {
            final int close = regex.indexOf('}', at + 3);
            return close < 0 ? 2 : close + 1 - at;
        }
        return 2;
    }

    /**
     * The Java form of the escape {@code \p{name}} or {@code \P{name}} if RE2's differs (a script name, {@code Any},
     * a name negated by {@code ^}), else null.
     */
    private static String property(final String escape)
    {
        if (escape.length() < 5 || (escape.charAt(1) != 'p' && escape.charAt(1) != 'P') || escape.charAt(2) != '{')
        {
            return null;
        }
        final boolean negated = escape.charAt(3) == '^';
        final String name = escape.substring(negated ? 4 : 3, escape.length() - 1);
        final String java = name.equals("Any") ? "all" : isScript(name) ? "Is" + name : name;
        if (!negated && java.equals(name))
        {
            return null;
        }
        final boolean upper = (escape.charAt(1) == 'P') != negated;
        return (upper ? "\\P{" : "\\p{") + java + "}";
    }

    private static boolean isScript(final String name)
    {
        if (name.isEmpty() || name.length() <= 2 && "CLMNPSZ".indexOf(name.charAt(0)) >= 0)
        {
            return false; // a general category (L, Lu, Nd, ...), which Java names as RE2 does
        }
        try
        {
            Character.UnicodeScript.forName(name);
            return true;
        }
        catch (final IllegalArgumentException e)
        {
            return false;
        }
    }

    /** The index after {@code (?P<name>} at {@code at}, with a name of letters, digits and underscores, else -1. */
    private static int namedGroupEnd(final String regex, final int at)
    {
        if (!regex.startsWith("(?P<", at))
        {
            return -1;
        }
        int i = at + 4;
        while (i < regex.length() && (Character.isLetterOrDigit(regex.charAt(i)) || regex.charAt(i) == '_') &&
            regex.charAt(i) < 0x80)
        {
            i++;
        }
        return i > at + 4 && i < regex.length() && regex.charAt(i) == '>' ? i + 1 : -1;
    }

    /** Whether {@code {n}}, {@code {n,}} or {@code {n,m}} starts at {@code at}. */
    private static boolean isRepetition(final String regex, final int at)
    {
        int i = at + 1;
        final int minStart = i;
        while (i < regex.length() && isDigit(regex.charAt(i)))
        {
            i++;
        }
        if (i == minStart || i == regex.length())
        {
            return false;
        }
        if (regex.charAt(i) == ',')
        {
            i++;
            while (i < regex.length() && isDigit(regex.charAt(i)))
            {
                i++;
            }
        }
        return i < regex.length() && regex.charAt(i) == '}';
    }

    /** The index after {@code [:name:]} or {@code [:^name:]} at {@code at} for a known name, else -1. */
    private static int posixEnd(final String regex, final int at)
    {
        if (!regex.startsWith("[:", at))
        {
            return -1;
        }
        final int close = regex.indexOf(":]", at + 2);
        if (close < 0)
        {
            return -1;
        }
        final int start = regex.startsWith("^", at + 2) ? at + 3 : at + 2;
        return CLASSES.containsKey(regex.substring(start, close)) ? close + 2 : -1;
    }

    /** Appends up to {@code count} characters of {@code regex} from {@code from}; returns the index after them. */
    private static int copy(final String regex, final int from, final int count, final StringBuilder out)
    {
        final int end = Math.min(regex.length(), from + count);
        out.append(regex, from, end);
        return end;
    }

    private static boolean isDigit(final char c)
    {
        return c >= '0' && c <= '9';
    }
}
