package io.shardwal.index;

/**
 * The character-class part of {@link Re2Syntax}: translates one RE2 class ({@code [...]}) into a Java class of the
 * same meaning. POSIX classes become Java properties, a {@code [} or {@code &} (literals in RE2, whose classes
 * neither nest nor intersect) is escaped, octal escapes and {@code \v} become {@code \x{..}}, {@code \s} RE2's
 * set (without the vertical tab), and Unicode classes Java's names of RE2's sets ({@link Re2Properties}). A
 * {@code [} that ends a range ({@code [!-[]}) is the character, as in RE2. Constructs RE2 refuses inside a class (a
 * {@code \Q...\E} quote, unknown escapes and POSIX names) are refused before ({@link Re2Refusals}).
 *
 * <p>Under {@code (?i)} the class is matched in two branches, because java.util.regex folds the members {@code I},
 * {@code i}, {@code İ} and {@code ı} into each other where RE2's simple case folding keeps {@code İ} and {@code ı}
 * apart from everything, and does not fold a member {@code ß} into {@code ẞ}, where RE2 does: a character other than
 * {@code İ}, {@code ı} (and {@code U+FFFF}) is matched case-insensitively against the class with each single
 * {@code İ} or {@code ı} member replaced by {@code U+FFFF} and {@code ẞ} added beside {@code ß}; {@code İ}, {@code ı}
 * and {@code U+FFFF} (whose orbits are themselves) case-sensitively against the class as written. A range also gets
 * the few orbits Java's folding of ranges misses ({@link #orbitsMissed}).
 *
 * <p>Stateless and thread-safe.
 */
final class Re2Class
{
    /** The characters matched case-sensitively, against the class as written. */
    private static final String EXACT = "[\\x{130}\\x{131}\\x{ffff}]";
    /** Characters that are their own upper case but whose lower case's upper case is another one. */
    private static final int[] SIGNS = {0x3F4, 0x2126, 0x212A, 0x212B};

    private Re2Class()
    {
    }

    /** Appends the class at {@code at} (a {@code [}) to {@code syntax}'s output; returns the index after it. */
    static int translate(final Re2Syntax syntax, final int at)
    {
        final String regex = syntax.regex();
        final int n = regex.length();
        final StringBuilder plain = new StringBuilder().append('[');
        final StringBuilder folded = new StringBuilder().append('[');
        int i = at + 1;
        if (i < n && regex.charAt(i) == '^')
        {
            plain.append('^');
            folded.append('^');
            i++;
        }
        if (i < n && regex.charAt(i) == ']')
        {
            // a ']' right after the opening is a literal, in RE2 and in java.util.regex alike
            plain.append(']');
            folded.append(']');
            i++;
        }
        while (i < n && regex.charAt(i) != ']')
        {
            final long single = single(syntax, i);
            if (single >= 0)
            {
                final int end = (int)(single >>> 32);
                final int cp = (int)single;
                if (end + 1 < n && regex.charAt(end) == '-' && regex.charAt(end + 1) != ']')
                {
                    // a range ends in one character; a '[' there opens no POSIX class
                    final long last = regex.charAt(end + 1) == '[' ? ((long)(end + 2) << 32) | '[' :
                        single(syntax, end + 1);
                    final int rangeEnd = last >= 0 ? (int)(last >>> 32) : end + 1;
                    final String range = member(cp) + "-" + (last >= 0 ? member((int)last) : "");
                    plain.append(range);
                    folded.append(range);
                    if (last >= 0 && syntax.folding())
                    {
                        folded.append(orbitsMissed(cp, (int)last));
                    }
                    i = rangeEnd;
                    continue;
                }
                plain.append(member(cp));
                folded.append(foldedMember(cp));
                i = end;
                continue;
            }
            final StringBuilder piece = new StringBuilder();
            i = other(regex, i, piece, syntax.folding());
            plain.append(piece);
            folded.append(piece);
        }
        if (i >= n)
        {
            syntax.out().append(plain); // unterminated: java.util.regex refuses it
            return n;
        }
        plain.append(']');
        folded.append(']');
        if (!syntax.folding())
        {
            syntax.out().append(plain);
        }
        else
        {
            // the lookaheads test case-sensitively: under (?i), [\x{130}] would take i too
            syntax.out().append("(?:(?-i:(?!").append(EXACT).append("))").append(folded)
                .append("|(?-i:(?=").append(EXACT).append(')').append(plain).append("))");
        }
        return i + 1;
    }

    /**
     * The member at {@code at} if it is one character (a literal, an octal, {@code \v}, {@code \x}, {@code \n},
     * {@code \t}, {@code \r}, {@code \f} or {@code \a} escape, or an escaped non-letter) as
     * {@code end << 32 | codePoint}; -1 for anything else (a POSIX class, {@code \d}, {@code \p{..}}, ...).
     */
    private static long single(final Re2Syntax syntax, final int at)
    {
        final String regex = syntax.regex();
        final char c = regex.charAt(at);
        if (c == '\\')
        {
            final char e = at + 1 < regex.length() ? regex.charAt(at + 1) : 'Q';
            final int named = "ntrfa".indexOf(e);
            if (named >= 0 || (e < 0x80 && !Character.isLetterOrDigit(e)))
            {
                return ((long)(at + 2) << 32) | (named >= 0 ? "\n\t\r\f\u0007".charAt(named) : e);
            }
            return syntax.escapedCodePoint(at);
        }
        if (c == '[' && Re2Syntax.posixEnd(regex, at) > 0)
        {
            return -1;
        }
        final int cp = regex.codePointAt(at);
        return ((long)(at + Character.charCount(cp)) << 32) | cp;
    }

    /** Appends the member at {@code at} that is not a single character; returns the index after it. */
    private static int other(final String regex, final int at, final StringBuilder plain, final boolean folding)
    {
        if (regex.charAt(at) == '[')
        {
            final int end = Re2Syntax.posixEnd(regex, at);
            final boolean negated = regex.charAt(at + 2) == '^';
            final String java = Re2Syntax.CLASSES.get(regex.substring(at + (negated ? 3 : 2), end - 2));
            plain.append(java.equals("word") ? word(negated, folding) : (negated ? "\\P{" : "\\p{") + java + "}");
            return end;
        }
        if (regex.startsWith("\\w", at) || regex.startsWith("\\W", at))
        {
            plain.append(word(regex.charAt(at + 1) == 'W', folding));
            return at + 2;
        }
        if (regex.startsWith("\\s", at) || regex.startsWith("\\S", at))
        {
            plain.append(regex.charAt(at + 1) == 's' ? Re2Syntax.SPACE : "[^" + Re2Syntax.SPACE + "]");
            return at + 2;
        }
        final int length = Re2Syntax.escapeLength(regex, at);
        final char e = at + 1 < regex.length() ? regex.charAt(at + 1) : 0;
        plain.append(e == 'p' || e == 'P' ? Re2Properties.toJava(regex, at, length) :
            regex.substring(at, at + length));
        return at + length;
    }

    /**
     * The members java.util.regex misses when it folds range {@code [from-to]}: it tests a character, its upper case
     * and that one's lower case, which for the Kelvin sign, the Angstrom sign, the Ohm sign and the capital theta
     * symbol (their own upper case) never reaches K, Å, Ω or Θ, so {@code (?i)[A-Z]} missed the Kelvin sign; nor does
     * a k reach a range of the Kelvin sign alone. Each such orbit that meets the range is added whole.
     */
    private static String orbitsMissed(final int from, final int to)
    {
        final StringBuilder missed = new StringBuilder();
        for (final int sign : SIGNS)
        {
            final int lower = Character.toLowerCase(sign);
            final int upper = Character.toUpperCase(lower);
            if ((sign >= from && sign <= to) || (lower >= from && lower <= to) || (upper >= from && upper <= to))
            {
                missed.append(member(sign)).append(member(lower)).append(member(upper));
            }
        }
        return missed.toString();
    }

    /** RE2's word class (or its negation) as class members; under {@code (?i)} folded as RE2 folds it. */
    private static String word(final boolean negated, final boolean folding)
    {
        if (!folding)
        {
            return negated ? "\\W" : "\\w";
        }
        return negated ? "[^" + Re2Syntax.FOLDED_WORD + "]" : Re2Syntax.FOLDED_WORD;
    }

    /**
     * {@code cp} as a class member: escaped if it is ASCII and not a letter or digit, a control character, or not a
     * single {@code char}. A surrogate's code point ({@code \x{d83d}} in RE2) is escaped too: written as a
     * {@code char}, java.util.regex would read it and a low surrogate after it as one supplementary character.
     */
    private static String member(final int cp)
    {
        if (cp < 0x20 || cp == 0x7F || cp > 0xFFFF || Character.isSurrogate((char)cp))
        {
            return "\\x{" + Integer.toHexString(cp) + "}";
        }
        if (cp < 0x80 && !Character.isLetterOrDigit(cp))
        {
            return "\\" + (char)cp;
        }
        return String.valueOf((char)cp);
    }

    private static String foldedMember(final int cp)
    {
        return switch (cp)
        {
            case 0x130, 0x131 -> "\\x{ffff}";
            case 0xDF, 0x1E9E -> "\\x{df}\\x{1e9e}";
            default -> member(cp);
        };
    }
}
