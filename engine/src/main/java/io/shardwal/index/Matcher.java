package io.shardwal.index;

import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A label matcher with Prometheus semantics: {@code name="v"}, {@code name!="v"}, {@code name=~"re"},
 * {@code name!~"re"}. A series without the label is treated as having the value {@code ""}, so a matcher that
 * matches {@code ""} also selects series without that label ({@code job=""}, {@code job!="x"}, {@code job=~"x|"}).
 *
 * <p>Regexes are run by {@link java.util.regex}, fully anchored ({@code ^(?:re)$}), and let {@code .} match line
 * terminators too, as Prometheus does. They are read as RE2 (Prometheus' engine) reads them where the two differ:
 * {@code (?i)} folds case in all of Unicode, only a line feed ends a line, and POSIX classes ({@code [[:digit:]]}),
 * literal braces ({@code /users/{id}}), classes that do not nest, Unicode classes ({@code \p{Greek}},
 * {@code \p{Letter}}) and Go's named groups mean what they mean there, and so do octal escapes, {@code \v},
 * {@code \s}, the ungreedy flag {@code (?U)}, {@code $} (the end
 * of the text without {@code (?m)}) and case folding of {@code İ}, {@code ı} and {@code ß} ({@link Re2Syntax}).
 * What RE2 refuses is refused too, naming the construct and its index, where java.util.regex would have matched by
 * its own rules: possessive and stacked repetitions ({@code a*+}), counts above 1000, lookaround, flags other than
 * {@code imsU}, Java's escapes ({@code \h}, {@code \G}), property names ({@code \p{javaLowerCase}}) and POSIX names,
 * backreferences and unpaired surrogates ({@link Re2Refusals}). Matching a value is bounded: a regex that backtracks
 * more than {@link #REGEX_STEP_BUDGET} steps on one value fails with an {@link IllegalArgumentException} instead of
 * running for minutes.
 *
 * <p>Immutable and thread-safe.
 */
public final class Matcher
{
    /** Upper bound on the characters a regex may inspect while matching one value (about a millisecond of work). */
    public static final long REGEX_STEP_BUDGET = 1_000_000;

    /** The four matcher types. */
    public enum Type
    {
        /** {@code =} */
        EQUAL("="),
        /** {@code !=} */
        NOT_EQUAL("!="),
        /** {@code =~} */
        REGEX("=~"),
        /** {@code !~} */
        NOT_REGEX("!~");

        private final String symbol;

        Type(final String symbol)
        {
            this.symbol = symbol;
        }

        /** The operator as written in PromQL. */
        public String symbol()
        {
            return symbol;
        }
    }

    private final Type type;
    private final String name;
    private final String value;
    final Pattern pattern;
    final RegexShape shape;
    private final Set<String> literalSet;
    private final boolean matchesEmpty;

    private Matcher(final Type type, final String name, final String value)
    {
        this.type = Objects.requireNonNull(type, "type");
        if (name == null || name.isEmpty())
        {
            throw new IllegalArgumentException("matcher label name is " + (name == null ? "null" : "empty") +
                " (" + type.symbol + " \"" + value + "\")");
        }
        if (value == null)
        {
            throw new IllegalArgumentException("matcher " + name + type.symbol + " has a null value");
        }
        this.name = name;
        this.value = value;
        if (type == Type.REGEX || type == Type.NOT_REGEX)
        {
            pattern = compile(name, type, value);
            shape = RegexShape.of(value);
            literalSet = shape.kind == RegexShape.Kind.SET ? new HashSet<>(shape.literals) : null;
        }
        else
        {
            pattern = null;
            shape = null;
            literalSet = null;
        }
        matchesEmpty = matches("");
    }

    /** {@code name="value"} */
    public static Matcher equal(final String name, final String value)
    {
        return new Matcher(Type.EQUAL, name, value);
    }

    /** {@code name!="value"} */
    public static Matcher notEqual(final String name, final String value)
    {
        return new Matcher(Type.NOT_EQUAL, name, value);
    }

    /**
     * {@code name=~"regex"}
     *
     * @throws IllegalArgumentException naming the label, the regex and the syntax error if it does not compile.
     */
    public static Matcher regex(final String name, final String regex)
    {
        return new Matcher(Type.REGEX, name, regex);
    }

    /** {@code name!~"regex"} */
    public static Matcher notRegex(final String name, final String regex)
    {
        return new Matcher(Type.NOT_REGEX, name, regex);
    }

    /** A matcher of the given type. */
    public static Matcher of(final Type type, final String name, final String value)
    {
        return new Matcher(type, name, value);
    }

    public Type type()
    {
        return type;
    }

    public String name()
    {
        return name;
    }

    /** The value or regex source. */
    public String value()
    {
        return value;
    }

    /** Whether this matcher selects series that do not have the label at all. */
    public boolean matchesEmpty()
    {
        return matchesEmpty;
    }

    /**
     * Whether a series whose label has {@code labelValue} ({@code ""} if absent) is selected.
     *
     * @throws IllegalArgumentException if the regex exceeds {@link #REGEX_STEP_BUDGET} on this value.
     */
    public boolean matches(final String labelValue)
    {
        return switch (type)
        {
            case EQUAL -> value.equals(labelValue);
            case NOT_EQUAL -> !value.equals(labelValue);
            case REGEX -> regexMatches(labelValue);
            case NOT_REGEX -> !regexMatches(labelValue);
        };
    }

    /**
     * A predicate equivalent to {@link #matches(String)} for testing many values from one thread: it reuses its
     * buffers, so a general regex does not allocate per value. Not thread-safe.
     */
    public Predicate<String> newPredicate()
    {
        if (shape == null || shape.kind != RegexShape.Kind.GENERAL)
        {
            return this::matches;
        }
        final RegexEvaluator evaluator = new RegexEvaluator(this);
        final boolean negate = type == Type.NOT_REGEX;
        return v -> (v.startsWith(shape.prefix) && evaluator.matches(v)) != negate;
    }

    /** Whether the regex (ignoring the type's negation) matches: the shape's shortcuts first, then the pattern. */
    boolean regexMatches(final String labelValue)
    {
        return switch (shape.kind)
        {
            case ANY -> true;
            case NON_EMPTY -> !labelValue.isEmpty();
            case SET -> literalSet.contains(labelValue);
            case PREFIX -> labelValue.startsWith(shape.prefix);
            case GENERAL -> labelValue.startsWith(shape.prefix) && new RegexEvaluator(this).matches(labelValue);
        };
    }

    @Override
    public boolean equals(final Object other)
    {
        return this == other || other instanceof Matcher that &&
            type == that.type && name.equals(that.name) && value.equals(that.value);
    }

    @Override
    public int hashCode()
    {
        return (type.hashCode() * 31 + name.hashCode()) * 31 + value.hashCode();
    }

    /** PromQL notation: {@code job=~"api|web"}. */
    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder(name).append(type.symbol).append('"');
        Labels.escapeTo(sb, value);
        return sb.append('"').toString();
    }

    private static Pattern compile(final String name, final Type type, final String regex)
    {
        try
        {
            // UNICODE_CASE: RE2's (?i) folds É to é; java.util.regex alone folds ASCII only. UNIX_LINES: for RE2 only
            // a line feed ends a line, for (?-s). and (?m)^$ too; java.util.regex alone also takes CR, NEL, LS and PS
            final String java = Re2Syntax.toJava(regex);
            return Pattern.compile(java, Pattern.DOTALL | Pattern.UNICODE_CASE | Pattern.UNIX_LINES);
        }
        catch (final PatternSyntaxException e)
        {
            // an index into a rewritten regex would point at the wrong character of the one given; Re2Syntax's own
            // refusals index the regex given
            final boolean index = e.getIndex() >= 0 && regex.equals(e.getPattern());
            throw new IllegalArgumentException("invalid regex in matcher " + name + type.symbol + "\"" + regex +
                "\": " + e.getDescription() + (index ? " near index " + e.getIndex() : ""), e);
        }
    }
}
