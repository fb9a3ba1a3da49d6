package io.shardwal.index;

import java.util.Arrays;
import java.util.Map;
import java.util.regex.PatternSyntaxException;

/**
 * Rewrites the parts of RE2's syntax (Prometheus' regexes) that {@link java.util.regex} reads differently, or refuses,
 * into the Java regex that means the same. Constructs that RE2 refuses and Java would accept (possessive and stacked
 * repetitions, lookaround, Java's escapes, flags and property names, ...) are refused first, by {@link Re2Refusals}.
 * <ul>
 *   <li><em>POSIX classes</em> ({@code [[:digit:]]}, {@code [^[:space:]x]}, {@code [[:^alpha:]]}). Left alone,
 *       {@link java.util.regex.Pattern} reads {@code [:digit:]} inside a class as a nested class of the characters
 *       {@code :digt}, so {@code [[:digit:]]+} would silently match {@code "dig"} and not {@code "42"}. Each of RE2's
 *       fourteen classes has a Java property of the same ASCII set ({@code \p{Digit}}, ... and {@code \w} for
 *       {@code word}). Only a name inside a class is rewritten, as RE2 reads one only there; an unknown name is
 *       refused, as RE2 refuses it.</li>
 *   <li><em>A brace that starts no repetition</em> ({@code /users/{id}}, {@code a{,2}}, {@code {x}}): RE2 reads it as a
 *       literal, {@link java.util.regex.Pattern} refuses the regex ("Illegal repetition"). It is escaped unless a
 *       repetition {@code {n}}, {@code {n,}} or {@code {n,m}} follows, which both read alike; as in RE2, a number
 *       there has no leading zero ({@code a{01}} is a literal, Java read one {@code a}).</li>
 *   <li><em>A repetition after a flag group or an empty quote</em> ({@code a(?i){2}}, {@code a{2}\Q\E{3}}): RE2
 *       reads either as nothing, so the repetition repeats the atom before it, or the repetition of that atom
 *       ({@code (a{2}){3}}); java.util.regex repeated the empty flag group ({@code a}) and read {@code a{2}{3}} as
 *       {@code a{2}}. The flag groups move after the repetition, and a repeated atom is grouped first.</li>
 *   <li><em>Unicode classes</em> ({@code \p{Greek}}, {@code \p{^Han}}, {@code \pL}, {@code \p{Letter}},
 *       {@code \p{Digit}}): Java names a script {@code \p{IsGreek}}, negates only by {@code \P}, knows neither the
 *       categories' long names nor case-insensitive names, and reads {@code \p{Digit}}, {@code \p{Punct}} and
 *       {@code \p{Cntrl}} as ASCII sets; each name is written as Java's name of RE2's set ({@link Re2Properties}).
 *       </li>
 *   <li><em>{@code [} and {@code &} inside a class</em> ({@code [[]}, {@code [a[bc]]}, {@code [a&&b]}): RE2 classes
 *       do not nest, so these are literals there, where {@link java.util.regex.Pattern} opens a nested class (or
 *       refuses the regex for want of its {@code ]}) or intersects. They are escaped.</li>
 *   <li><em>Go's named groups</em> ({@code (?P<code>5..)}, which {@link java.util.regex.Pattern} refuses, and
 *       {@code (?<code>5..)}) become plain groups: a name changes nothing about what a regex matches, and the rewrites
 *       below must not touch it.</li>
 *   <li><em>Octal escapes</em> ({@code \0}, {@code \012}, {@code \101}: {@code \0} or two or three octal digits)
 *       become {@code \x{..}}; Java reads {@code \1} as a backreference and refuses {@code \0} alone. RE2 has no
 *       backreferences: {@code \1} to {@code \9} that start no octal escape are refused ({@link Re2Refusals}).</li>
 *   <li><em>{@code \v}</em> is the vertical tab in RE2 and any vertical whitespace ({@code \n} too) in Java; it
 *       becomes {@code \x{b}}. <em>{@code \s}</em> does not take the vertical tab in RE2, and does in Java; it
 *       becomes RE2's {@code [\t\n\f\r ]}.</li>
 *   <li><em>The flag {@code U}</em> makes repetitions ungreedy in RE2 and classes Unicode in Java ({@code (?U)\w}
 *       matched {@code é}). It is dropped: greediness cannot change whether a fully anchored regex matches.</li>
 *   <li><em>{@code $} and {@code ^}</em>: without {@code (?m)}, RE2's {@code $} is the end of the text, Java's also
 *       the place before a final {@code \n} ({@code a$\n} matched {@code "a\n"}): it becomes {@code \z}. With
 *       {@code (?m)}, RE2's {@code ^} also matches after a {@code \n} that ends the text, Java's does not: it becomes
 *       {@code (?:\A|(?<=\n))}. The flags are followed through groups, as both engines scope them.</li>
 *   <li><em>Case folding under {@code (?i)}</em>: RE2 folds by Unicode simple case folding, Java by its case
 *       mappings. They agree on {@code k}/{@code K}/Kelvin sign and {@code s}/{@code S}/long s, and neither folds
 *       {@code ß} into {@code "ss"}; but Java folds {@code İ} and {@code ı} into {@code i} and {@code I}, which RE2
 *       folds into nothing, and does not fold {@code ß} into {@code ẞ}, which RE2 does. Such literals become
 *       case-sensitive groups of exactly RE2's set ({@code (?-i:[iI])}), and classes are rewritten by
 *       {@link Re2Class}. RE2 also folds {@code \w} ({@code (?i)\w} takes the Kelvin sign and the long s), Java does
 *       not: it gets the two added. Not rewritten (a difference left): other Perl and POSIX classes and
 *       {@code \p{..}} under {@code (?i)}, which RE2 folds and Java folds by its own rules.</li>
 * </ul>
 *
 * <p>The scan reads the regex as both engines do alike: a backslash escapes the next character (and the braces of
 * {@code \p{..}} and {@code \x{..}}), {@code \Q...\E} quotes (whose characters are written out as escaped literals),
 * and a {@code ]} right after a class's {@code [} or {@code [^} is a literal.
 *
 * <p>One instance per translation; {@link #toJava} is thread-safe.
 */
final class Re2Syntax
{
    static final Map<String, String> CLASSES = Map.ofEntries(
        Map.entry("alnum", "Alnum"), Map.entry("alpha", "Alpha"), Map.entry("ascii", "ASCII"),
        Map.entry("blank", "Blank"), Map.entry("cntrl", "Cntrl"), Map.entry("digit", "Digit"),
        Map.entry("graph", "Graph"), Map.entry("lower", "Lower"), Map.entry("print", "Print"),
        Map.entry("punct", "Punct"), Map.entry("space", "Space"), Map.entry("upper", "Upper"),
        Map.entry("word", "word"), Map.entry("xdigit", "XDigit"));

    /** Characters that are structure outside a class (the rest are literals), but for repetitions. */
    private static final String META = ".|()";
    /**
     * RE2's {@code \w} under {@code (?i)}, as class members: RE2 folds the class, adding the Kelvin sign and the long
     * s; Java does not fold {@code \w}.
     */
    static final String FOLDED_WORD = "\\w\\x{212a}\\x{17f}";
    /** RE2's {@code \s} as class members: Java's {@code \s} also takes the vertical tab. */
    static final String SPACE = "\\t\\n\\f\\r ";
    private static final int FOLD = 1;
    private static final int MULTI_LINE = 2;

    private final String regex;
    private final StringBuilder out;
    /** {@link #FOLD} and {@link #MULTI_LINE} where the scan is; saved per open group, as both engines scope flags. */
    private int flags;
    private int[] saved = new int[8];
    /** Where in {@link #out} each open group starts. */
    private int[] groupStarts = new int[8];
    private int depth;
    /** Where in {@link #out} the last atom (with its repetitions) starts; -1 where no atom precedes in the group. */
    private int atomStart = -1;
    /** Whether the last atom is repeated. */
    private boolean repeated;
    /** Where in {@link #out} the flag groups that follow the last atom start, or -1. */
    private int flagsStart = -1;

    private Re2Syntax(final String regex)
    {
        this.regex = regex;
        this.out = new StringBuilder(regex.length() + 16);
    }

    /**
     * {@code regex} as a {@link java.util.regex} regex of the same meaning; the same string if nothing differs.
     *
     * @throws PatternSyntaxException (index into {@code regex}) for a construct RE2 refuses where
     *                                {@link java.util.regex.Pattern} would accept it ({@link Re2Refusals}) or mean
     *                                something else.
     */
    static String toJava(final String regex)
    {
        Re2Refusals.check(regex);
        if (regex.indexOf('[') < 0 && regex.indexOf('{') < 0 && regex.indexOf('\\') < 0 && regex.indexOf('$') < 0 &&
            !regex.contains("(?"))
        {
            return regex;
        }
        return new Re2Syntax(regex).translate();
    }

    private String translate()
    {
        final int n = regex.length();
        int i = 0;
        while (i < n)
        {
            final char c = regex.charAt(i);
            final int start = out.length();
            if (c == '*' || c == '+' || c == '?' || (c == '{' && Re2Refusals.isRepetition(regex, i)))
            {
                i = repetition(i);
                continue;
            }
            if (c != '\\' && c != '(' && c != ')')
            {
                atom(c == '|' ? -1 : start); // an escape and a group set their own
            }
            if (c == '\\')
            {
                if (!regex.startsWith("\\Q", i))
                {
                    atom(start); // quoted characters are atoms each, and an empty quote is nothing
                }
                i = escape(i);
            }
            else if (c == '[')
            {
                i = Re2Class.translate(this, i);
            }
            else if (c == '(')
            {
                i = group(i);
            }
            else if (c == ')')
            {
                int group = -1; // an unbalanced ')': java.util.regex refuses it
                if (depth > 0)
                {
                    flags = saved[--depth];
                    group = groupStarts[depth];
                }
                atom(group);
                out.append(c);
                i++;
            }
            else if (c == '$')
            {
                // RE2's $ is the end of the text unless (?m); Java's also matches before a final \n, and a \n may
                // follow it in the regex ("a$\n" matched "a\n")
                out.append((flags & MULTI_LINE) != 0 ? "$" : "\\z");
                i++;
            }
            else if (c == '^' && (flags & MULTI_LINE) != 0)
            {
                // RE2's (?m)^ also matches after a \n that ends the text, and in an empty one; Java's does neither
                out.append("(?:\\A|(?<=\n))");
                i++;
            }
            else if (c == '{')
            {
                out.append("\\{");
                i++;
            }
            else if (META.indexOf(c) >= 0)
            {
                out.append(c);
                i++;
            }
            else
            {
                final int cp = regex.codePointAt(i);
                literal(cp, false);
                i += Character.charCount(cp);
            }
        }
        return out.toString();
    }

    /** Translates the escape at {@code at} outside a class; returns the index after it. */
    private int escape(final int at)
    {
        final int length = escapeLength(regex, at);
        if (length < 2)
        {
            out.append('\\'); // a trailing backslash: java.util.regex refuses it too
            return at + 1;
        }
        final char e = regex.charAt(at + 1);
        if (e == 'Q')
        {
            return quote(at);
        }
        final long literal = escapedCodePoint(at);
        if (literal >= 0)
        {
            literal((int)literal, true);
            return (int)(literal >>> 32);
        }
        if ((flags & FOLD) != 0 && (e == 'w' || e == 'W'))
        {
            out.append(e == 'w' ? "[" : "[^").append(FOLDED_WORD).append(']');
            return at + 2;
        }
        if (e == 's' || e == 'S')
        {
            out.append(e == 's' ? "[" : "[^").append(SPACE).append(']');
            return at + 2;
        }
        out.append(e == 'p' || e == 'P' ? Re2Properties.toJava(regex, at, length) : regex.substring(at, at + length));
        return at + length;
    }

    /**
     * The code point of the escape at {@code at} if it is one RE2 reads as a character and Java reads differently
     * or not at all for that reason: an octal escape ({@code \0}, {@code \012}, {@code \101}), {@code \v} (RE2: the
     * vertical tab; Java: any vertical whitespace) and {@code \x} escapes (so that case folding sees them). Returned
     * as {@code end << 32 | codePoint}, or -1 for another escape.
     *
     * @throws PatternSyntaxException for {@code \1} to {@code \9} that start no octal escape (which
     *                                {@link Re2Refusals} refuses first): RE2 has no backreferences, java.util.regex
     *                                would read one.
     */
    long escapedCodePoint(final int at)
    {
        final int n = regex.length();
        if (at + 1 >= n)
        {
            return -1;
        }
        final char e = regex.charAt(at + 1);
        if (e == 'v')
        {
            return ((long)(at + 2) << 32) | 0x0B;
        }
        if (e >= '0' && e <= '9')
        {
            final boolean octal = e == '0' || (e <= '7' && at + 2 < n && isOctal(regex.charAt(at + 2)));
            if (!octal)
            {
                throw Re2Refusals.backreference(regex, at);
            }
            int value = e - '0';
            int i = at + 2;
            for (int digits = 1; digits < 3 && i < n && isOctal(regex.charAt(i)); digits++)
            {
                value = value * 8 + regex.charAt(i++) - '0';
            }
            return ((long)i << 32) | value;
        }
        if (e == 'x')
        {
            return hexEscape(at);
        }
        return -1;
    }

    /** {@code \xHH} or {@code \x{H...}} at {@code at} as {@code end << 32 | codePoint}, or -1 if malformed. */
    private long hexEscape(final int at)
    {
        final int n = regex.length();
        final boolean braced = at + 2 < n && regex.charAt(at + 2) == '{';
        final int from = braced ? at + 3 : at + 2;
        final int to = braced ? regex.indexOf('}', from) : Math.min(n, at + 4);
        if (to < 0 || to == from || to - from > 8 || (!braced && to - from < 2))
        {
            return -1;
        }
        int value = 0;
        for (int i = from; i < to; i++)
        {
            final int digit = Character.digit(regex.charAt(i), 16);
            if (digit < 0 || value > (Character.MAX_CODE_POINT >> 4))
            {
                return -1;
            }
            value = value * 16 + digit;
        }
        return value > Character.MAX_CODE_POINT ? -1 : ((long)(braced ? to + 1 : to) << 32) | value;
    }

    /**
     * {@code \Q...\E} at {@code at}: each quoted character as a literal of its own (escaped unless a letter, a digit
     * or not ASCII), so that case folding sees it; runs to {@code \E} or the end. Returns the index after it.
     */
    private int quote(final int at)
    {
        final int n = regex.length();
        int i = at + 2;
        while (i < n && !regex.startsWith("\\E", i))
        {
            atom(out.length());
            final int cp = regex.codePointAt(i);
            if (cp < 0x80 && !Character.isLetterOrDigit(cp))
            {
                out.append('\\').append((char)cp);
            }
            else
            {
                literal(cp, true);
            }
            i += Character.charCount(cp);
        }
        return Math.min(n, i + 2);
    }

    /**
     * Appends literal {@code cp} outside a class. Under {@code (?i)} the characters whose case folding differs
     * between the engines are matched exactly as RE2's simple case folding does: java.util.regex folds dotted and
     * dotless i ({@code İ}, {@code ı}) into i and I, where RE2 folds them into nothing, and does not fold {@code ß}
     * into {@code ẞ}, where RE2 does. {@code escaped}: written as an escape (kept as a {@code \x{..}}).
     */
    private void literal(final int cp, final boolean escaped)
    {
        if ((flags & FOLD) != 0)
        {
            final String exact = foldOrbit(cp);
            if (exact != null)
            {
                out.append("(?-i:").append(exact).append(')');
                return;
            }
        }
        if (escaped)
        {
            out.append("\\x{").append(Integer.toHexString(cp)).append('}');
        }
        else
        {
            out.appendCodePoint(cp);
        }
    }

    /** The exact (case-sensitive) Java form of RE2's case-folding orbit of {@code cp}, if Java's fold differs. */
    static String foldOrbit(final int cp)
    {
        return switch (cp)
        {
            case 'i', 'I' -> "[iI]";
            case 0x130 -> "\\x{130}";
            case 0x131 -> "\\x{131}";
            case 0xDF, 0x1E9E -> "[\\x{df}\\x{1e9e}]";
            default -> null;
        };
    }

    /**
     * The group at {@code at}: Go's named group becomes a plain one; a flag group has RE2's {@code U} (ungreedy)
     * removed, since Java's {@code U} means Unicode classes and greediness cannot change whether a fully anchored
     * regex matches; the flags {@code i} and {@code m} are tracked for {@link #literal}, {@code $} and {@code ^}.
     * Returns the index after the opening.
     */
    private int group(final int at)
    {
        final int named = namedGroupEnd(regex, at);
        if (named > 0)
        {
            open();
            out.append('(');
            return named;
        }
        int i = at + 2;
        if (!regex.startsWith("(?", at))
        {
            open();
            out.append('(');
            return at + 1;
        }
        final StringBuilder kept = new StringBuilder();
        int set = flags;
        boolean negate = false;
        for (; i < regex.length() && (isAsciiLetter(regex.charAt(i)) || regex.charAt(i) == '-'); i++)
        {
            final char f = regex.charAt(i);
            negate |= f == '-';
            final int bit = f == 'i' ? FOLD : f == 'm' ? MULTI_LINE : 0;
            set = negate ? set & ~bit : set | bit;
            if (f != 'U')
            {
                kept.append(f);
            }
        }
        final char end = i < regex.length() ? regex.charAt(i) : 0;
        if (end != ')' && end != ':')
        {
            open(); // another (? construct, which Re2Refusals has refused
            out.append('(');
            return at + 1;
        }
        if (end == ':')
        {
            open();
        }
        flags = set;
        final String javaFlags = kept.toString().endsWith("-") ? kept.substring(0, kept.length() - 1) :
            kept.toString();
        if (end == ')')
        {
            flagsStart = flagsStart < 0 ? out.length() : flagsStart; // nothing to RE2's repetitions: see repetition
        }
        if (end == ':' || !javaFlags.isEmpty())
        {
            out.append("(?").append(javaFlags).append(end);
        }
        return i + 1;
    }

    /**
     * The repetition at {@code at} ({@code *}, {@code +}, {@code ?}, {@code {n,m}}, then the {@code ?} that makes it
     * lazy); returns the index after it. RE2 reads flag groups and empty quotes between an atom and a repetition as
     * nothing: the repetition repeats the atom ({@code a(?i){2}} is {@code aa}), or the repetition of it before them
     * ({@code a{2}\Q\E{3}} is {@code (a{2}){3}}); java.util.regex would repeat the empty flag group, and read
     * {@code a{2}{3}} as {@code a{2}}. So the flag groups move after the repetition, and a repeated atom is grouped
     * first. (A repetition right after a repetition, or with nothing to repeat, {@link Re2Refusals} has refused.)
     */
    private int repetition(final int at)
    {
        final int close = regex.charAt(at) == '{' ? regex.indexOf('}', at) : at;
        final int end = close + 1 < regex.length() && regex.charAt(close + 1) == '?' ? close + 2 : close + 1;
        final String between = flagsStart < 0 ? "" : out.substring(flagsStart);
        if (flagsStart >= 0)
        {
            out.setLength(flagsStart);
        }
        if (repeated && atomStart >= 0)
        {
            out.insert(atomStart, "(?:").append(')');
        }
        out.append(regex, at, end).append(between);
        repeated = true;
        flagsStart = between.isEmpty() ? -1 : out.length() - between.length(); // still after the atom
        return end;
    }

    /** The atom that a repetition next repeats starts at {@code start} (-1: none, at the start of a group). */
    private void atom(final int start)
    {
        atomStart = start;
        repeated = false;
        flagsStart = -1;
    }

    /** Enters a group, which starts here in {@link #out}: its flags end with it. */
    private void open()
    {
        if (depth == saved.length)
        {
            saved = Arrays.copyOf(saved, depth * 2);
            groupStarts = Arrays.copyOf(groupStarts, depth * 2);
        }
        groupStarts[depth] = out.length();
        saved[depth++] = flags;
        atom(-1);
    }

    boolean folding()
    {
        return (flags & FOLD) != 0;
    }

    String regex()
    {
        return regex;
    }

    StringBuilder out()
    {
        return out;
    }

    private static boolean isOctal(final char c)
    {
        return c >= '0' && c <= '7';
    }

    static boolean isAsciiLetter(final char c)
    {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /**
     * The length of the escape at {@code at}: two characters, three for {@code \cX} and for a single-letter
     * {@code \pL} or {@code \PL}, and up to the closing brace for {@code \p{..}}, {@code \P{..}}, {@code \x{..}} and
     * {@code \N{..}}.
     */
    static int escapeLength(final String regex, final int at)
    {
        if (at + 1 >= regex.length())
        {
            return 1;
        }
        final char e = regex.charAt(at + 1);
        if (e == 'c' || ((e == 'p' || e == 'P') && at + 2 < regex.length() && regex.charAt(at + 2) != '{'))
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
     * The index after {@code (?P<name>} or {@code (?<name>} (Go reads both) at {@code at}, with a name of letters,
     * digits and underscores, else -1. Either becomes a plain group, so that no rewrite touches the name.
     */
    static int namedGroupEnd(final String regex, final int at)
    {
        final int start = regex.startsWith("(?P<", at) ? at + 4 : regex.startsWith("(?<", at) ? at + 3 : -1;
        if (start < 0)
        {
            return -1;
        }
        int i = start;
        while (i < regex.length() && (Character.isLetterOrDigit(regex.charAt(i)) || regex.charAt(i) == '_') &&
            regex.charAt(i) < 0x80)
        {
            i++;
        }
        return i > start && i < regex.length() && regex.charAt(i) == '>' ? i + 1 : -1;
    }

    /** The index after {@code [:name:]} or {@code [:^name:]} at {@code at} for a known name, else -1. */
    static int posixEnd(final String regex, final int at)
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
}
