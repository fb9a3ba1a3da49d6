package io.shardwal.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

class MatcherTest
{
    @Test
    void shouldAnchorRegexesAtBothEnds()
    {
        final Matcher m = Matcher.regex("job", "api");
        assertTrue(m.matches("api"));
        assertFalse(m.matches("api-v2"));
        assertFalse(m.matches("my-api"));
        assertTrue(Matcher.regex("job", "a.*|b").matches("b"));
        assertFalse(Matcher.regex("job", "a.*|b").matches("xb"), "the anchors wrap the whole alternation");
    }

    @Test
    void shouldLetDotMatchNewlinesAsPrometheusDoes()
    {
        assertTrue(Matcher.regex("v", "a.b").matches("a\nb"));
        assertTrue(Matcher.regex("v", ".*").matches("line1\nline2"));
    }

    /** RE2, which Prometheus uses, folds case in all of Unicode under (?i), not only in ASCII. */
    @Test
    void shouldFoldCaseBeyondAsciiUnderTheCaseInsensitiveFlag()
    {
        assertTrue(Matcher.regex("city", "(?i)m\u00fcnchen").matches("M\u00dcNCHEN"));
        assertTrue(Matcher.regex("city", "(?i)\u00e9t\u00e9.*").matches("\u00c9T\u00c9 2024"));
        assertTrue(Matcher.regex("greek", "(?i)\u03b1\u03b2").matches("\u0391\u0392"));
        assertFalse(Matcher.notRegex("city", "(?i)m\u00fcnchen").matches("M\u00fcnchen"));
        assertFalse(Matcher.regex("city", "m\u00fcnchen").matches("M\u00dcNCHEN"), "case matters without (?i)");
        try (ShardedIndex index = ShardedIndex.withShards(2))
        {
            final long upper = index.addSeries(Labels.of("city", "M\u00dcNCHEN"));
            final long lower = index.addSeries(Labels.of("city", "m\u00fcnchen"));
            index.addSeries(Labels.of("city", "Berlin"));
            final long[] both = upper < lower ? new long[] {upper, lower} : new long[] {lower, upper};
            assertArrayEquals(both, index.findSeries(Matcher.regex("city", "(?i)M\u00fcnchen")));
        }
    }

    /** RE2's POSIX classes, which java.util.regex would read as nested classes of their letters. */
    @Test
    void shouldReadPosixClassesAsRe2Does()
    {
        final String[][] classes = {
            {"alnum", "0-9A-Za-z"}, {"alpha", "A-Za-z"}, {"ascii", "\\x00-\\x7F"}, {"blank", "\\t "},
            {"cntrl", "\\x00-\\x1F\\x7F"}, {"digit", "0-9"}, {"graph", "!-~"}, {"lower", "a-z"}, {"print", " -~"},
            {"punct", "!-/:-@\\[-`{-~"}, {"space", "\\t\\n\\x0B\\f\\r "}, {"upper", "A-Z"},
            {"word", "0-9A-Za-z_"}, {"xdigit", "0-9A-Fa-f"},
        };
        for (final String[] c : classes)
        {
            final Pattern set = Pattern.compile("[" + c[1] + "]");
            final Matcher plain = Matcher.regex("v", "[[:" + c[0] + ":]]");
            final Matcher negated = Matcher.regex("v", "[[:^" + c[0] + ":]]");
            final Matcher complement = Matcher.regex("v", "[^[:" + c[0] + ":]]");
            for (char ch = 0; ch <= 0x100; ch++)
            {
                final String v = String.valueOf(ch);
                final boolean in = set.matcher(v).matches();
                final String what = c[0] + " on U+" + Integer.toHexString(ch);
                assertEquals(in, plain.matches(v), what);
                assertEquals(!in, negated.matches(v), what);
                assertEquals(!in, complement.matches(v), what);
            }
        }
        assertTrue(Matcher.regex("v", "[[:digit:]]+").matches("42"));
        assertFalse(Matcher.regex("v", "[[:digit:]]+").matches("dig"), "not the letters of the class name");
        assertTrue(Matcher.regex("v", "[x[:digit:]_]+").matches("x_1"));
        assertTrue(Matcher.regex("v", "[a-c[:space:]]+").matches("a b"));
        assertTrue(Matcher.regex("v", "\\[[:digit:]]").matches("[d]"), "an escaped [ opens no class");
        assertTrue(Matcher.regex("v", "[]:digit:]+").matches("]:t"), "a ] right after [ is a literal");
        assertTrue(Matcher.regex("v", "\\Q[[:digit:]]\\E").matches("[[:digit:]]"), "a quote is literal");
        try (ShardedIndex index = ShardedIndex.withShards(2))
        {
            final long digits = index.addSeries(Labels.of("code", "404"));
            index.addSeries(Labels.of("code", "dig"));
            assertArrayEquals(new long[] {digits}, index.findSeries(Matcher.regex("code", "[[:digit:]]{3}")));
        }
    }

    /**
     * RE2 reads a brace that starts no repetition as a literal, so Prometheus takes route=~"/users/{id}", the label
     * value of many HTTP metrics; java.util.regex alone refuses it as an illegal repetition.
     */
    @Test
    void shouldReadABraceThatStartsNoRepetitionAsALiteralAsRe2Does()
    {
        assertTrue(Matcher.regex("route", "/users/{id}").matches("/users/{id}"));
        assertFalse(Matcher.regex("route", "/users/{id}").matches("/users/42"));
        assertTrue(Matcher.regex("route", "/users/{id}/.*").matches("/users/{id}/posts"));
        assertTrue(Matcher.regex("v", "{x}").matches("{x}"));
        assertTrue(Matcher.regex("v", "a{,2}").matches("a{,2}"), "no lower bound: no repetition in RE2");
        assertTrue(Matcher.regex("v", "a{ 2}").matches("a{ 2}"));
        assertTrue(Matcher.regex("v", "a{").matches("a{"));
        assertTrue(Matcher.regex("v", "a{2}").matches("aa"), "a repetition stays one");
        assertTrue(Matcher.regex("v", "a{1,}b{0,2}").matches("aab"));
        assertTrue(Matcher.regex("v", "a\\{2}").matches("a{2}"));
        assertTrue(Matcher.regex("v", "[{]x").matches("{x"));
        assertTrue(Matcher.regex("v", "\\p{L}\\x{41}\\Q{\\E").matches("\u00e9A{"), "braces of escapes and quotes");
        assertThrows(IllegalArgumentException.class, () -> Matcher.regex("v", "a{3,2}"), "refused by RE2 too");
        try (ShardedIndex index = ShardedIndex.withShards(2))
        {
            final long template = index.addSeries(Labels.of("route", "/users/{id}"));
            index.addSeries(Labels.of("route", "/users/42"));
            assertArrayEquals(new long[] {template}, index.findSeries(Matcher.regex("route", "/users/{id}")));
            assertArrayEquals(new long[] {template}, index.findSeries(Matcher.regex("route", ".*{id}")));
        }
    }

    /**
     * RE2's classes do not nest and know no intersection: a [ or & inside one is a literal, where java.util.regex
     * would open a nested class (and refuse [[] for want of its ]) or intersect.
     */
    @Test
    void shouldReadBracketsAndAmpersandsInsideAClassAsLiteralsAsRe2Does()
    {
        assertTrue(Matcher.regex("v", "[[]x").matches("[x"));
        assertTrue(Matcher.regex("v", "[^[]+").matches("abc"));
        assertFalse(Matcher.regex("v", "[^[]+").matches("a[c"));
        assertTrue(Matcher.regex("v", "[a[bc]]").matches("b]"), "the class ends at the first ]");
        assertFalse(Matcher.regex("v", "[a[bc]]").matches("b"));
        assertTrue(Matcher.regex("v", "[a&&b]").matches("b"), "no intersection");
        assertTrue(Matcher.regex("v", "[a&&b]").matches("&"));
        assertTrue(Matcher.regex("v", "[[:digit:][]+").matches("1[2"), "a POSIX class still is one");
        assertTrue(Matcher.regex("v", "\\[[a]\\]").matches("[a]"));
    }

    /** RE2 names scripts without Java's Is prefix and negates a property with ^ as well as with {@code \P}. */
    @Test
    void shouldReadScriptsAndNegatedPropertiesAsRe2Does()
    {
        assertTrue(Matcher.regex("v", "\\p{Greek}+").matches("\u03b1\u03b2\u03b3"));
        assertFalse(Matcher.regex("v", "\\p{Greek}+").matches("abc"));
        assertTrue(Matcher.regex("v", "\\p{Han}+").matches("\u4e2d\u6587"));
        assertTrue(Matcher.regex("v", "\\p{^Greek}").matches("a"));
        assertFalse(Matcher.regex("v", "\\P{^Greek}").matches("a"), "a double negation");
        assertTrue(Matcher.regex("v", "\\P{Cyrillic}").matches("a"));
        assertTrue(Matcher.regex("v", "\\p{^L}").matches("1"));
        assertFalse(Matcher.regex("v", "\\p{^L}").matches("a"));
        assertTrue(Matcher.regex("v", "[\\p{Latin}\\d]+").matches("ab1"));
        assertTrue(Matcher.regex("v", "\\p{Any}").matches("\n"));
        assertTrue(Matcher.regex("v", "\\p{Lu}\\p{L}").matches("Ab"), "categories are named alike");
        assertTrue(Matcher.regex("v", "\\\\p{Greek}").matches("\\p{Greek}"), "an escaped backslash escapes no p");
    }

    /** For RE2 only a line feed ends a line: where a regex turns DOTALL off, . still matches a carriage return. */
    @Test
    void shouldEndLinesAtALineFeedOnlyAsRe2Does()
    {
        assertTrue(Matcher.regex("v", "(?-s)a.b").matches("a\rb"));
        assertTrue(Matcher.regex("v", "(?-s)a.b").matches("a\u2028b"));
        assertFalse(Matcher.regex("v", "(?-s)a.b").matches("a\nb"));
        assertFalse(Matcher.regex("v", "(?m)a$\r\n^b").matches("a\r\nb"), "$ is before the \\n only");
        assertTrue(Matcher.regex("v", "(?m)a\r$\n^b").matches("a\r\nb"));
    }

    /**
     * RE2 reads \0 and two- or three-digit escapes as octal and refuses \1 to \9 otherwise (it has no
     * backreferences); java.util.regex read \1 as a backreference and refused \0 alone.
     */
    @Test
    void shouldReadOctalEscapesAndRefuseBackreferencesAsRe2Does()
    {
        assertTrue(Matcher.regex("v", "\\101\\102").matches("AB"));
        assertTrue(Matcher.regex("v", "a\\0b").matches("a\0b"));
        assertTrue(Matcher.regex("v", "\\012|x").matches("\n"));
        assertTrue(Matcher.regex("v", "\\1234").matches("S4"), "three digits at most");
        assertTrue(Matcher.regex("v", "\\08").matches("\u00008"), "8 is no octal digit");
        assertTrue(Matcher.regex("v", "[\\101-\\103]+").matches("ABC"));
        assertTrue(Matcher.regex("v", "[\\0]").matches("\0"));
        assertTrue(Matcher.regex("v", "(?i)\\141").matches("A"));
        for (final String backreference : new String[] {"(a)\\1", "(a)\\18", "\\8", "\\9", "[\\1]"})
        {
            final IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Matcher.regex("v", backreference));
            assertTrue(e.getMessage().startsWith("invalid regex in matcher v=~") &&
                e.getMessage().contains("RE2 has no backreferences") &&
                e.getMessage().endsWith("near index " + backreference.indexOf('\\')), e.getMessage());
        }
    }

    /** RE2's \v is the vertical tab only; java.util.regex's is any vertical whitespace, \n included. */
    @Test
    void shouldReadBackslashVAsTheVerticalTabAsRe2Does()
    {
        assertTrue(Matcher.regex("v", "a\\vb").matches("a\u000Bb"));
        assertFalse(Matcher.regex("v", "a\\vb").matches("a\nb"));
        assertFalse(Matcher.regex("v", "a[\\v]b").matches("a\rb"));
        assertTrue(Matcher.regex("v", "a[\\v]b").matches("a\u000Bb"));
    }

    /**
     * RE2's (?U) makes repetitions ungreedy, which cannot change whether a fully anchored regex matches;
     * java.util.regex's (?U) made \w and friends Unicode, so (?U)\w matched é where RE2 does not.
     */
    @Test
    void shouldTakeTheUngreedyFlagWithoutMakingClassesUnicode()
    {
        assertTrue(Matcher.regex("v", "(?U)a+b*").matches("aab"));
        assertFalse(Matcher.regex("v", "(?U)\\w+").matches("\u00e9"));
        assertFalse(Matcher.regex("v", "(?U:\\w)").matches("\u00e9"));
        assertFalse(Matcher.regex("v", "(?Ui)\\w").matches("\u00e9"));
        assertTrue(Matcher.regex("v", "(?iU)\u00c9").matches("\u00e9"), "the other flags stay");
        assertTrue(Matcher.regex("v", "(?U-i)a(?-U)b").matches("ab"));
        assertFalse(Matcher.regex("v", "(?U-i)a").matches("A"));
    }

    /**
     * A repetition right after a flag group repeats the atom before the group in RE2 ("a(?i){2}" is "aa"), not the
     * empty group, as java.util.regex would ("a"); a group with flags is an atom of its own.
     */
    @Test
    void shouldRepeatTheAtomBeforeAFlagGroup()
    {
        assertTrue(Matcher.regex("v", "a(?i){2}").matches("aa"));
        assertFalse(Matcher.regex("v", "a(?i){2}").matches("a"));
        assertTrue(Matcher.regex("v", "(?i:a){2}").matches("aA"), "a group with flags is an atom");
        assertTrue(Matcher.regex("v", "(?i)(?<id>x)(?P<in>y)").matches("XY"), "the names are not case-folded");
    }

    /**
     * Without (?m), RE2's $ is the very end of the text; java.util.regex's $ also matched before a final \n, which
     * the rest of the regex could then match ("a$\n" matched "a\n"). With (?m), RE2's ^ also matches after a \n
     * that ends the text.
     */
    @Test
    void shouldEndTheTextAtDollarAsRe2Does()
    {
        assertFalse(Matcher.regex("v", "a$\n").matches("a\n"));
        assertFalse(Matcher.regex("v", "a$.*").matches("a\n"));
        assertFalse(Matcher.regex("v", "(a$|b)\n").matches("a\n"));
        assertTrue(Matcher.regex("v", "a$").matches("a"));
        assertTrue(Matcher.regex("v", "(?m)a$\n").matches("a\n"));
        assertTrue(Matcher.regex("v", "(?m:a$)\n").matches("a\n"));
        assertFalse(Matcher.regex("v", "(?m:a)$\n").matches("a\n"), "(?m) ends with its group");
        assertFalse(Matcher.regex("v", "((?m)a)$\n").matches("a\n"), "(?m) ends with its group");
        assertTrue(Matcher.regex("v", "(?m)a\n^").matches("a\n"));
        assertTrue(Matcher.regex("v", "(?m)^").matches(""), "RE2's (?m)^ matches in an empty text too");
        assertTrue(Matcher.regex("v", "[$]\\$").matches("$$"), "a quoted or class $ is a literal");
    }

    /**
     * (?i) folds as RE2's simple case folding: K, k and the Kelvin sign together, s, S and the long s, ß with ẞ (and
     * not with "ss"), and dotted and dotless i with nothing, where java.util.regex folded İ and ı into i and I and
     * did not fold ß into ẞ.
     */
    @Test
    void shouldFoldCaseAsRe2SimpleCaseFoldingDoes()
    {
        final String kelvin = "\u212a";
        final String longS = "\u017f";
        final String dotted = "\u0130";
        final String dotless = "\u0131";
        assertMatches("(?i)k", "k", "K", kelvin);
        assertMatches("(?i)[k]", "k", "K", kelvin);
        assertMatches("(?i)" + kelvin, "k", "K", kelvin);
        assertMatches("(?i)s", "s", "S", longS);
        assertMatches("(?i)[s" + longS + "]", "s", "S", longS);
        assertMatches("(?i)\u00df", "\u00df", "\u1e9e");
        assertMatches("(?i)[\u00df]", "\u00df", "\u1e9e");
        assertMatches("(?i)\u1e9e", "\u00df", "\u1e9e");
        assertMatches("(?i)[^\u00df]", "i", "I", dotted, dotless, "k", "K", kelvin, "s", "S", longS);
        assertMatches("(?i)i", "i", "I");
        assertMatches("(?i)I", "i", "I");
        assertMatches("(?i)\\x49", "i", "I");
        assertMatches("(?i)\\Qi\\E", "i", "I");
        assertMatches("(?i)[i]", "i", "I");
        assertMatches("(?i)[a-z]", "i", "I", "k", "K", kelvin, "s", "S", longS);
        assertMatches("(?i)[A-Z]", "i", "I", "k", "K", kelvin, "s", "S", longS);
        assertMatches("(?i)[^A-Z]", dotted, dotless, "\u00df", "\u1e9e");
        assertMatches("(?i)[\\x{2120}-\\x{212f}]", "k", "K", kelvin);
        assertMatches("[A-Z]", "I", "K", "S");
        assertMatches("(?i)" + dotted, dotted);
        assertMatches("(?i)[" + dotted + "]", dotted);
        assertMatches("(?i)" + dotless, dotless);
        assertMatches("(?i)[" + dotless + "x]", dotless);
        assertMatches("(?i)[^i]", "k", "K", kelvin, "s", "S", longS, "\u00df", "\u1e9e", dotted, dotless);
        assertMatches("(?i)[^" + dotted + "]", "i", "I", "k", "K", kelvin, "s", "S", longS, "\u00df", "\u1e9e",
            dotless);
        assertMatches("i", "i");
        assertMatches("(?i:i)I", "iI", "II");
        assertFalse(Matcher.regex("v", "(?i)\u00df").matches("ss"));
        assertTrue(Matcher.regex("v", "(?i)ist[a-z]+").matches("IStanbul"));
        assertFalse(Matcher.regex("v", "(?i)ist[a-z]+").matches(dotted + "stanbul"));
        assertTrue(Matcher.regex("v", "(?i)i+").matches("iIiI"), "a repetition repeats the whole orbit");
        assertMatches("(?i)\\w", "i", "I", "k", "K", kelvin, "s", "S", longS);
        assertMatches("(?i)[\\w]", "i", "I", "k", "K", kelvin, "s", "S", longS);
        assertMatches("(?i)[[:word:]]", "i", "I", "k", "K", kelvin, "s", "S", longS);
        assertMatches("(?i)\\W", dotted, dotless, "\u00df", "\u1e9e");
        assertMatches("(?i)[\\W]", dotted, dotless, "\u00df", "\u1e9e");
        assertMatches("\\w", "i", "I", "k", "K", "s", "S");
    }

    private static void assertMatches(final String regex, final String... expected)
    {
        final String[] candidates = {
            "i", "I", "\u0130", "\u0131", "k", "K", "\u212a", "s", "S", "\u017f", "\u00df", "\u1e9e", "iI", "II",
        };
        final List<String> want = List.of(expected);
        final Matcher m = Matcher.regex("v", regex);
        for (final String candidate : candidates)
        {
            assertEquals(want.contains(candidate), m.matches(candidate),
                () -> regex + " on U+" + Integer.toHexString(candidate.codePointAt(0)) + " (" + candidate + ")");
        }
    }

    /** Go's named groups, which RE2 takes, name nothing that matters to a match. */
    @Test
    void shouldTakeGoNamedGroups()
    {
        assertTrue(Matcher.regex("code", "(?P<class>5)(?P<rest_1>..)").matches("503"));
        assertFalse(Matcher.regex("code", "(?P<class>5)..").matches("403"));
        assertTrue(Matcher.regex("v", "\\Q(?P<x>\\E").matches("(?P<x>"), "a quote is literal");
        assertTrue(Matcher.regex("v", "[(?P<x>]+").matches("P<"), "inside a class, these are characters");
    }

    /** Whatever the regex, truncated escapes and classes included, a matcher is made or refused with an IAE. */
    @Test
    void shouldMakeOrRefuseEveryRegexWithAnIllegalArgumentException()
    {
        final String[] pieces = {
            "a", "{", "}", "{2}", "{1,", "[", "]", "[^", "[:", ":]", "[:alpha:]", "^", "&", "(", ")", "(?P<", "n", ">",
            "\\", "\\c", "\\p", "\\p{", "\\p{^", "Greek", "\\x{", "\\Q", "\\E", "|", "*", ".",
        };
        final SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 20_000; i++)
        {
            final StringBuilder regex = new StringBuilder();
            for (int j = random.nextInt(1, 6); j > 0; j--)
            {
                regex.append(pieces[random.nextInt(pieces.length)]);
            }
            try
            {
                Matcher.regex("v", regex.toString()).matches("a");
            }
            catch (final IllegalArgumentException e)
            {
                assertTrue(e.getMessage().startsWith("invalid regex in matcher v=~"), e.getMessage());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Matcher.regex("v", "{\\c"));
        assertThrows(IllegalArgumentException.class, () -> Matcher.regex("v", "[\\c"));
    }

    @Test
    void shouldKnowWhichMatchersSelectSeriesWithoutTheLabel()
    {
        assertTrue(Matcher.equal("a", "").matchesEmpty());
        assertFalse(Matcher.equal("a", "x").matchesEmpty());
        assertTrue(Matcher.notEqual("a", "x").matchesEmpty());
        assertFalse(Matcher.notEqual("a", "").matchesEmpty());
        assertTrue(Matcher.regex("a", "x|").matchesEmpty());
        assertTrue(Matcher.regex("a", ".*").matchesEmpty());
        assertFalse(Matcher.regex("a", ".+").matchesEmpty());
        assertTrue(Matcher.notRegex("a", ".+").matchesEmpty());
        assertFalse(Matcher.notRegex("a", ".*").matchesEmpty());
    }

    @Test
    void shouldRejectAnInvalidRegexNamingTheMatcherAndTheError()
    {
        final IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> Matcher.regex("job", "api(v1"));
        assertTrue(e.getMessage().startsWith("invalid regex in matcher job=~\"api(v1\": Unclosed group"),
            e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Matcher.notRegex("job", "*"));
    }

    @Test
    void shouldRejectEmptyNamesAndNullValues()
    {
        final IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> Matcher.equal("", "x"));
        assertEquals("matcher label name is empty (= \"x\")", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Matcher.equal("a", null));
        assertThrows(IllegalArgumentException.class, () -> Matcher.regex(null, "x"));
    }

    @Test
    void shouldStopACatastrophicallyBacktrackingRegexWithAClearError()
    {
        // about 10^9 steps (seconds) unbounded on this value
        final Matcher m = Matcher.regex("v", "(.*a){12}");
        final IllegalArgumentException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
            () -> assertThrows(IllegalArgumentException.class, () -> m.matches("a".repeat(30) + "b")));
        assertTrue(e.getMessage().contains("catastrophic backtracking"), e.getMessage());
    }

    @Test
    void shouldPrintInPromQlNotation()
    {
        assertEquals("job=~\"api|web\"", Matcher.regex("job", "api|web").toString());
        assertEquals("path!=\"a\\\"b\"", Matcher.notEqual("path", "a\"b").toString());
    }

    /**
     * The shape shortcuts (set lookups, prefix tests, necessary prefixes) must agree with the compiled pattern on
     * every value; random values are built from the regexes' own literals to hit their edges.
     */
    @Test
    void shouldMatchExactlyAsThePatternWhateverShortcutItTakes()
    {
        final List<String> regexes = List.of(
            ".*", ".+", "", "abc", "a\\.b", "a|b|", "(a|b)", "(?:ab|cd)", "ab.*", "ab.+", "ab*", "ab?c", "ab{2}",
            "ab+c.*", "a(b|c)d", "ab|cd.*", "[ab]c", "a[|]b", "(?i)ab", "\\Qa.b\\E", "a\\Q.\\E.*", "\\d+", "a\\.*",
            "a\\\\.*", "(ab)", "(ab)*", "a(?:b)c", "\u00e9t\u00e9.*", "\uD83D\uDE00+", "x\\|y", "x\\(.*", "a\\b",
            "a$", "^a", "a{0,1}b", ".*ab", "ab(.*)", "a|b(c|d)", "ab\\(?x(c|d)");
        final SplittableRandom random = new SplittableRandom(7);
        final String alphabet = "abcdxyz.|()\\\u00e9t\uD83D\uDE00AB1";
        for (final String regex : regexes)
        {
            final Matcher m = Matcher.regex("v", regex);
            final Pattern p = Pattern.compile(regex, Pattern.DOTALL);
            for (int i = 0; i < 2000; i++)
            {
                final StringBuilder value = new StringBuilder();
                final int length = random.nextInt(6);
                for (int j = 0; j < length; j++)
                {
                    value.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                final String v = value.toString();
                assertEquals(p.matcher(v).matches(), m.matches(v), () -> "regex " + regex + " on \"" + v + "\"");
                final String w = literalOf(regex) + v;
                assertEquals(p.matcher(w).matches(), m.matches(w), () -> "regex " + regex + " on \"" + w + "\"");
            }
        }
    }

    @Test
    void shouldReduceCommonRegexesToShortcuts()
    {
        assertEquals(RegexShape.Kind.ANY, RegexShape.of(".*").kind);
        assertEquals(RegexShape.Kind.NON_EMPTY, RegexShape.of(".+").kind);
        assertEquals(List.of("api", "web", ""), RegexShape.of("api|web|").literals);
        assertEquals(List.of("api", "web"), RegexShape.of("api|web|api").literals, "each literal once");
        assertEquals(List.of("foo(", "bar"), RegexShape.of("foo\\Q(\\E|bar").literals, "a quote is a literal");
        assertEquals(List.of("a.b", "c"), RegexShape.of("(?:a\\.b|c)").literals);
        assertEquals(RegexShape.Kind.PREFIX, RegexShape.of("host_00.*").kind);
        assertEquals("host_00", RegexShape.of("host_00.*").prefix);
        assertEquals("host_0", RegexShape.of("host_0.*5").prefix);
        assertEquals("ab", RegexShape.of("abc?d").prefix);
        assertEquals("", RegexShape.of("ab|cd.*").prefix);
        assertEquals("a", RegexShape.of("a(b|c)").prefix);
        assertEquals(RegexShape.Kind.GENERAL, RegexShape.of("(?i)api").kind);
        assertEquals("", RegexShape.of("(?i)api").prefix);
        assertEquals("ab", RegexShape.of("ab\\(?x(c|d)").prefix, "an escaped ( and ?x start no comments mode");
        assertEquals("ab", RegexShape.of("ab\\Q(\\E?x(c|d)").prefix, "nor do a quoted ( and ?x");
    }

    /**
     * Quotes ({@code \Q...\E}) can hide a top-level {@code |} or a quantifier from a naive scan, which would then
     * require a literal prefix that a match need not have; each regex here is listed with values it matches through
     * the part such a scan would miss. (Control escapes {@code \cX} and comments {@code (?x)}, which could too, are
     * refused, as RE2 refuses them.)
     */
    @Test
    void shouldNotRequireAPrefixThatQuotesMakeOptional()
    {
        final String[][] cases = {
            {"foo\\Q(\\E|bar", "bar", "foo("},
            {"foo\\Q(\\E|b.r", "bar", "foo("},
            {"ab\\Q\\E?", "a", "ab"},
            {"ab\\Q\\E*c", "ac", "abbc"},
        };
        for (final String[] c : cases)
        {
            final Matcher m = Matcher.regex("v", c[0]);
            final Pattern p = Pattern.compile(c[0], Pattern.DOTALL);
            for (int i = 1; i < c.length; i++)
            {
                assertTrue(p.matcher(c[i]).matches(), c[i]);
                assertTrue(m.matches(c[i]), "regex " + c[0] + " on \"" + c[i] + "\", shape prefix \"" +
                    m.shape.prefix + "\"");
            }
            assertFalse(m.matches("x"), c[0]);
        }
    }

    private static String literalOf(final String regex)
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < regex.length(); i++)
        {
            final char c = regex.charAt(i);
            if (Character.isLetterOrDigit(c))
            {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
