package io.shardwal.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
