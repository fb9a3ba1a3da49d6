package io.shardwal.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.PatternSyntaxException;

import org.junit.jupiter.api.Test;

/**
 * Constructs that RE2 (Prometheus' engine) refuses and java.util.regex would accept are refused, naming the construct
 * and its index, the way every invalid regex is; what RE2 takes stays taken, and means what it means there.
 */
class Re2RefusalTest
{
    /** Possessive and stacked repetitions: RE2's "invalid nested repetition operator". */
    @Test
    void shouldRefuseARepetitionOfARepetition()
    {
        assertRefused("a*+", "*+", 1);
        assertRefused("a++", "++", 1);
        assertRefused("a?+", "?+", 1);
        assertRefused("a{2}+", "{2}+", 1);
        assertRefused("a{2,}+", "{2,}+", 1);
        assertRefused("a{2,3}+", "{2,3}+", 1);
        assertRefused("a**", "**", 1);
        assertRefused("a*?+", "*?+", 1);
        assertRefused("a{2}{3}", "{2}{3}", 1);
        assertRefused("xa*{2}", "*{2}", 2);
        assertRefused("(ab)+*", "+*", 4);
        assertRefused("a*(?i)**", "**", 6);
    }

    /**
     * RE2 reads an empty quote and a flag group as nothing between an atom and a repetition: the repetition repeats
     * the atom ({@code a(?i){2}} is {@code aa}), or the repetition before them ({@code a{2}\Q\E{3}} is
     * {@code (a{2}){3}}), where java.util.regex repeated the empty flag group and read {@code a{2}{3}} as
     * {@code a{2}}; these were refused for that. The flags still hold for what follows.
     */
    @Test
    void shouldRepeatWhatPrecedesAnEmptyQuoteOrAFlagGroup()
    {
        assertMatches("a{2}\\Q\\E{3}", "aaaaaa", "aa");
        assertMatches("a*\\Q\\E\\Q\\E+", "aaa", "b");
        assertMatches("xa?\\Q\\E{2}", "xaa", "xaaa");
        assertMatches("a(?i){2}", "aa", "a");
        assertMatches("a(?i){2}b", "aaB", "AAb");
        assertMatches("a(?U)?", "", "aa");
        assertMatches("x(?-s)*.", "xxa", "xx\n");
        assertMatches("ab(?m)+", "abbb", "abab");
        assertMatches("ab(?i)*", "a", "b");
        assertMatches("a(?i)\\Q\\E*b", "aaB", "Ab");
        assertMatches("ab(?m)\\Q\\E\\Q\\E{2}", "abb", "abab");
        assertMatches("a*(?i)(?s)*", "aaa", "A");
        assertMatches("(ab)(?i){2}c", "ababC", "abC");
        assertMatches("(?:a|b)(?i)\\Q\\E+c", "abaC", "c");
        assertMatches("a{2}(?i)\\Q\\E{2}?B", "aaaab", "aab");
        assertMatches("\\Qxy\\E(?i)*", "xyy", "xyxy");
        assertMatches("\\Qxy\\E*\\Q\\E{2}", "xyyy", "xyxy");
        assertMatches("[ab](?i){2}", "ba", "bA");
        assertMatches("ab+\\Q\\E?", "a", "abab");
        assertMatches("ab+(?i)?c", "ac", "aBc");
        assertRefused("a{600}(?i){2}", "makes 1200 copies", 10);
        assertRefused("x|(?i)*", "the repetition * with nothing to repeat", 6);
    }

    /** RE2 refuses a repetition with nothing before it to repeat; java.util.regex took a count there. */
    @Test
    void shouldRefuseARepetitionOfNothing()
    {
        assertRefused("{2}a", "the repetition {2} with nothing to repeat", 0);
        assertRefused("a|{2,}b", "the repetition {2,} with nothing to repeat", 2);
        assertRefused("x({1}y)", "the repetition {1} with nothing to repeat", 2);
        assertRefused("(?i){2}", "the repetition {2} with nothing to repeat", 4);
        assertRefused("a|\\Q\\E*", "the repetition * with nothing to repeat", 6);
    }

    /** RE2 counts at most 1000 copies, also through nested counts; java.util.regex has no limit. */
    @Test
    void shouldRefuseRepeatCountsAboveOneThousand()
    {
        assertRefused("a{1001}", "repeat count {1001}", 1);
        assertRefused("a{2,1001}", "repeat count {2,1001}", 1);
        assertRefused("a{1001,}", "repeat count {1001,}", 1);
        assertRefused("a{99999999999}", "repeat count {99999999999}", 1);
        assertRefused("(a{100}){11}", "repeat count {11}: with the repetitions it repeats, it makes 1100 copies", 8);
        assertRefused("x(ab{10}c|d{2}){101}", "makes 1010 copies", 15);
        assertRefused("((a{2}){0,}){501}", "makes 1002 copies", 12);
        assertRefused("(a{600})\\Q\\E{2}", "makes 1200 copies", 12);
    }

    /** RE2 has no lookaround, atomic groups or comments: "invalid or unsupported Perl syntax". */
    @Test
    void shouldRefuseLookaroundAndOtherPerlGroups()
    {
        assertRefused("(?=a)a", "(?= (lookahead)", 0);
        assertRefused("a(?!b).", "(?! (negative lookahead)", 1);
        assertRefused("(?<=a)b", "(?<= (lookbehind)", 0);
        assertRefused("x(?<!a)b", "(?<! (negative lookbehind)", 1);
        assertRefused("(?>a+)b", "(?> (an atomic group)", 0);
        assertRefused("(?#note)a", "(?# (a comment)", 0);
        assertRefused("(?P=name)", "(?P=", 0);
        assertRefused("(?'name'a)", "(?'", 0);
        assertRefused("(?<a-b>x)", "(?< (a group name of other than ASCII letters, digits and _)", 0);
    }

    /** RE2 knows the flags i, m, s and U; java.util.regex also x (comments), d, u and c. */
    @Test
    void shouldRefuseFlagsRe2DoesNotKnow()
    {
        assertRefused("(?x)a b", "the flag x in (?x)", 0);
        assertRefused("(?d)a", "the flag d in (?d)", 0);
        assertRefused("(?u)a", "the flag u in (?u)", 0);
        assertRefused("(?c)a", "the flag c in (?c)", 0);
        assertRefused("a(?ix:b)", "the flag x in (?ix:", 1);
        assertRefused("(?-)a", "a - with no flag after it in (?-)", 0);
        assertRefused("(?i-)a", "a - with no flag after it in (?i-)", 0);
        assertRefused("(?i-s-m:a)", "a second - in the flags (?i-s-m:", 0);
    }

    /** An escaped letter RE2 does not know is "invalid escape sequence"; java.util.regex read most of these. */
    @Test
    void shouldRefuseEscapesRe2DoesNotKnow()
    {
        for (final String escape : new String[] {
            "\\h", "\\H", "\\R", "\\X", "\\G", "\\Z", "\\e", "\\cA", "\\u", "\\N{LATIN SMALL LETTER A}", "\\k", "\\V",
            "\\\u00e9",
        })
        {
            final String regex = "a" + escape + (escape.equals("\\u") ? "0061" : escape.equals("\\k") ? "<n>" : "");
            assertRefused(regex, "the escape " + escape + " (invalid escape sequence)", 1);
        }
        assertRefused("[a\\h]", "the escape \\h inside a class", 2);
        assertRefused("[\\Q]\\E]", "the escape \\Q inside a class", 1);
        assertRefused("[\\e]", "the escape \\e inside a class", 1);
        assertRefused("[a-\\d]", "the escape \\d inside a class", 3);
    }

    /** RE2 knows categories, scripts, Any, Assigned and ASCII; java.util.regex many other names. */
    @Test
    void shouldRefuseUnicodeClassesRe2DoesNotKnow()
    {
        for (final String property : new String[] {
            "\\p{javaLowerCase}", "\\p{IsAlphabetic}", "\\p{InGreek}", "\\p{Lower}", "\\p{Alpha}", "\\p{IsGreek}",
            "\\p{Grek}", "\\P{XDigit}", "\\p{IsL}", "\\p{gc=Lu}", "\\p{Unknown}", "\\pX", "\\p{^Upper}",
        })
        {
            assertRefused("x" + property, "the Unicode class " + property + ": it knows", 1);
            assertRefused("[x" + property + "]", "the Unicode class " + property + ": it knows", 2);
        }
        assertRefused("a\\p", "\\p without a class name", 1);
    }

    /** RE2 refuses a POSIX class it does not know, where java.util.regex read a nested class of its letters. */
    @Test
    void shouldRefusePosixClassesRe2DoesNotKnow()
    {
        assertRefused("[[:foo:]]", "the unknown POSIX class [:foo:]", 1);
        assertRefused("[a[:^Digit:]]", "the unknown POSIX class [:^Digit:]", 2);
        assertRefused("[[:x]|y:]]", "the unknown POSIX class [:x]|y:]", 1);
    }

    /**
     * Go's regexes are UTF-8 strings, which cannot hold a lone surrogate: RE2 refuses the bytes it would become as
     * "invalid UTF-8", wherever it stands (a literal, a class, a quote, a group or class name, after a backslash);
     * java.util.regex took it and matched only a value with the same lone surrogate.
     */
    @Test
    void shouldRefuseAnUnpairedSurrogate()
    {
        assertRefused("a\uD800", "invalid UTF-8: unpaired surrogate U+D800", 1);
        assertRefused("\uDC00b", "invalid UTF-8: unpaired surrogate U+DC00", 0);
        assertRefused("x\uDE00\uD83D", "unpaired surrogate U+DE00", 1);
        assertRefused("\uD83D\uDE00\uD83D", "unpaired surrogate U+D83D", 2);
        assertRefused("[a\uD83D]", "unpaired surrogate U+D83D", 2);
        assertRefused("\\Q\uDE00\\E", "unpaired surrogate U+DE00", 2);
        assertRefused("(?P<n\uD800>a)", "unpaired surrogate U+D800", 5);
        assertRefused("\\p{Greek\uD800}", "unpaired surrogate U+D800", 8);
        assertRefused("\\\uDBFF", "unpaired surrogate U+DBFF", 1);
        assertMatches("\uD83D\uDE00+", "\uD83D\uDE00\uD83D\uDE00", "\uD83D");
    }

    /**
     * RE2 takes an escape of a surrogate's code point as a character that no UTF-8 text holds, and two of them in a
     * class as two such characters; java.util.regex read the two as written into its class as one supplementary
     * character (so {@code [\x{d83d}\x{de00}]} matched an emoji) and refused a range that started with them.
     */
    @Test
    void shouldKeepEscapedSurrogatesApartInAClass()
    {
        final String emoji = "\uD83D\uDE00";
        assertFalse(Matcher.regex("v", "[\\x{d83d}\\x{de00}]").matches(emoji));
        assertFalse(Matcher.regex("v", "(?i)[\\x{d83d}\\x{de00}]").matches(emoji));
        assertMatches("[^\\x{d83d}\\x{de00}]", emoji, "");
        assertMatches("[\\x{d83d}\\x{de00}-\\x{de01}a]", "a", emoji);
        assertMatches("[\\x{d83d}-\\x{d83d}\\x{de00}a]", "a", "\uFF21");
    }

    /** The error reaches the caller of a negated matcher, and a query, as any invalid regex does. */
    @Test
    void shouldRefuseThroughEveryPath()
    {
        final IllegalArgumentException negated =
            assertThrows(IllegalArgumentException.class, () -> Matcher.notRegex("job", "api(?!-v1).*"));
        assertEquals("invalid regex in matcher job!~\"api(?!-v1).*\": RE2 refuses (?! (negative lookahead) " +
            "(invalid or unsupported Perl syntax) near index 3", negated.getMessage());
        try (ShardedIndex index = ShardedIndex.withShards(2))
        {
            index.addSeries(Labels.of("job", "api"));
            assertThrows(IllegalArgumentException.class,
                () -> index.findSeries(Matcher.equal("job", "api"), Matcher.regex("job", "a.*+")));
        }
    }

    /** What RE2 takes is still taken: lazy repetitions, quotes and classes that hold what is refused outside. */
    @Test
    void shouldKeepWhatRe2Takes()
    {
        assertMatches("a{2}?", "aa", "a");
        assertMatches("a{2,}?b", "aab", "ab");
        assertMatches("a*?b+?c??", "bc", "abbcc");
        assertMatches("\\Q(?=\\E", "(?=", "");
        assertMatches("\\Qa*+\\h\\E", "a*+\\h", "aa");
        assertMatches("\\(?=", "(=", "(?=");
        assertMatches("[(?=]+", "(?=", "a");
        assertMatches("[*+?{}]+", "*+?{}", "a");
        assertMatches("\\p{Greek}+", "\u03b1\u03b2", "ab");
        assertMatches("[[:digit:]]+", "42", "dig");
        assertMatches("\\pL\\pN", "\u00e92", "22");
        assertMatches("(?i)(?P<x>a)(?<y>b)", "AB", "ba");
        assertMatches("(?imsU-imsU:a)(?)b", "ab", "Ab");
        assertMatches("a\\Q\\E*", "aaa", "b");
        assertMatches("\\_\\-\\#\\ ", "_-# ", "_-#");
        assertMatches("^*a$*", "a", "");
        assertMatches("x{0}y", "y", "xy");
        assertMatches("(a{10}){100}", "a".repeat(1000), "a".repeat(999));
        assertMatches("((a{2}){0,}){500}b", "b", "a");
        assertMatches("(a{1000}){0}b", "b", "ab");
        assertMatches("\\x{41}\\x42\\101\\0\\a\\f\\t\\n\\r\\v", "AB\u0041\0\u0007\f\t\n\r\u000b", "AB");
        assertMatches("\\Aab\\b\\z", "ab", "abc");
        assertMatches("[\\d\\s\\w\\pL\\x41\\101\\-\\]]+", "1 w\u00e9A-]", "#");
    }

    /** Where the two read the same text differently, it now means what it means in RE2. */
    @Test
    void shouldReadWhatJavaReadOtherwiseAsRe2Does()
    {
        assertMatches("a{01}", "a{01}", "a");
        assertMatches("a{1,02}", "a{1,02}", "a");
        assertMatches("a\\sb", "a\tb", "a\u000bb");
        assertMatches("a[\\s]b", "a b", "a\u000bb");
        assertMatches("a\\Sb", "a\u000bb", "a b");
        assertMatches("a[^\\s]b", "a\u000bb", "a\rb");
        assertMatches("a[\\S]b", "a\u000bb", "a\nb");
        assertMatches("\\p{Digit}", "\u0663", "a");
        assertMatches("\\p{digit}\\p{punct}\\p{Cntrl}", "1\u00bf\u0085", "1!");
        assertMatches("\\p{Letter}\\p{Cased_Letter}\\p{LC}", "\u00e9Ab", "1Ab");
        assertMatches("\\p{greek}\\p{Old Italic}\\p{old_italic}", "\u03b1\uD800\uDF00\uD800\uDF00", "a");
        assertMatches("\\pl\\p{lu}", "aB", "ab");
        assertMatches("\\p{Assigned}", "a", "\u0378");
        assertMatches("\\P{Assigned}", "\u0378", "a");
        assertMatches("\\p{ASCII}\\p{ascii}", "a~", "\u00e9a");
        assertMatches("[\\p{^Assigned}a]", "\u0378", "b");
        assertMatches("[!-[:digit:]]", "5]", "5");
        assertMatches("[!-[:digit:]]", "d]", "]");
    }

    /**
     * Go 1.25's {@code C} takes the unassigned code points, as Unicode's and java.util.regex's do (Go's tables left
     * them out before it knew {@code Cn}): {@code \pC} must not lose them to a narrower set.
     */
    @Test
    void shouldReadTheOtherCategoryWithTheUnassignedCodePoints()
    {
        assertMatches("\\pC\\p{C}\\p{Other}\\p{c}", "\u0378\u0000\uE000\uFFFF", "\u0378a\uE000\uFFFF");
        assertMatches("\\PC\\P{^C}", "a\u0378", "\u0378\u0378");
        assertMatches("[\\PC][^\\pC][\\P{^C}]", "ab\u0378", "\u0378b\u0378");
        assertMatches("\\p{Cn}\\p{Unassigned}", "\u0378\uFFFF", "\u0378a");
    }

    private static void assertRefused(final String regex, final String construct, final int index)
    {
        final IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> Matcher.regex("v", regex), regex);
        assertTrue(e.getMessage().startsWith("invalid regex in matcher v=~") && e.getMessage().contains(construct) &&
            e.getMessage().endsWith(" near index " + index), () -> regex + ": " + e.getMessage());
        final PatternSyntaxException cause = assertInstanceOf(PatternSyntaxException.class, e.getCause(), regex);
        assertArrayEquals(new Object[] {regex, index}, new Object[] {cause.getPattern(), cause.getIndex()}, regex);
        assertTrue(cause.getDescription().startsWith("RE2 "), () -> regex + ": " + cause.getDescription());
    }

    private static void assertMatches(final String regex, final String match, final String noMatch)
    {
        final Matcher m = Matcher.regex("v", regex);
        assertTrue(m.matches(match), () -> regex + " on " + match);
        assertFalse(m.matches(noMatch), () -> regex + " on " + noMatch);
        assertTrue(m.newPredicate().test(match), () -> regex + " on " + match);
        assertFalse(Matcher.notRegex("v", regex).matches(match), () -> regex + " on " + match);
    }
}
