package io.shardwal.index;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.PatternSyntaxException;

/**
 * RE2's Unicode classes ({@code \pL}, {@code \p{Greek}}, {@code \P{^Lu}}) as the {@link java.util.regex} classes of
 * the same set, for {@link Re2Syntax}.
 *
 * <p>RE2 (Go's regexp/syntax, as of Go 1.25) knows the general categories ({@code L}, {@code Lu}, ..., {@code LC},
 * {@code Cn}) and their Unicode long names ({@code Letter}, {@code Uppercase_Letter}, and {@code digit},
 * {@code punct}, {@code cntrl}, {@code Combining_Mark}), the scripts ({@code Greek}, {@code Han}), and {@code Any},
 * {@code Assigned} and {@code ASCII}; it looks a name up ignoring case, {@code _}, {@code -} and spaces, and refuses
 * any other ("invalid character class range"). java.util.regex knows many more names and names several of RE2's
 * differently, so each name is looked up as RE2 does and written as Java's name of the same set. A name RE2 does not
 * know is refused with a {@link PatternSyntaxException} at its index rather than matched by Java's reading: Java's
 * own ({@code \p{javaLowerCase}}, {@code \p{IsAlphabetic}}), blocks ({@code \p{InGreek}}), script codes
 * ({@code \p{Grek}}), POSIX names ({@code \p{Lower}}, {@code \p{Alpha}}). Three of Java's POSIX names are also
 * RE2's long names of a category, for another set: {@code \p{Digit}}, {@code \p{Punct}} and {@code \p{Cntrl}} are
 * RE2's {@code Nd}, {@code P} and {@code Cc} (all of Unicode), not Java's ASCII sets.
 *
 * <p>{@code C} ({@code Other}) is Java's {@code C} as it is: both take the unassigned code points ({@code Cn}), as
 * Unicode's {@code C} does. Go's {@code unicode.C} left them out until Go 1.25: the generator of its tables (in
 * golang.org/x/text) has counted every code point that UnicodeData.txt does not list as {@code Cn}, and {@code Cn} in
 * {@code C}, since the change that brought {@code Cn}, {@code LC} and the long names to Go 1.25.
 *
 * <p>Stateless and thread-safe.
 */
final class Re2Properties
{
    private static final String[] CATEGORIES = {
        "C", "Cc", "Cf", "Cn", "Co", "Cs", "L", "LC", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N", "Nd",
        "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So", "Z", "Zl", "Zp", "Zs",
    };
    /** Unicode's long names of the general categories (PropertyValueAliases), each with its category. */
    private static final String[] ALIASES = {
        "Other", "C", "Control", "Cc", "cntrl", "Cc", "Format", "Cf", "Unassigned", "Cn", "Private_Use", "Co",
        "Surrogate", "Cs", "Letter", "L", "Cased_Letter", "LC", "Lowercase_Letter", "Ll", "Modifier_Letter", "Lm",
        "Other_Letter", "Lo", "Titlecase_Letter", "Lt", "Uppercase_Letter", "Lu", "Mark", "M", "Combining_Mark", "M",
        "Spacing_Mark", "Mc", "Enclosing_Mark", "Me", "Nonspacing_Mark", "Mn", "Number", "N", "Decimal_Number", "Nd",
        "digit", "Nd", "Letter_Number", "Nl", "Other_Number", "No", "Punctuation", "P", "punct", "P",
        "Connector_Punctuation", "Pc", "Dash_Punctuation", "Pd", "Close_Punctuation", "Pe", "Final_Punctuation", "Pf",
        "Initial_Punctuation", "Pi", "Other_Punctuation", "Po", "Open_Punctuation", "Ps", "Symbol", "S",
        "Currency_Symbol", "Sc", "Modifier_Symbol", "Sk", "Math_Symbol", "Sm", "Other_Symbol", "So", "Separator", "Z",
        "Line_Separator", "Zl", "Paragraph_Separator", "Zp", "Space_Separator", "Zs",
    };
    /** The Java name (without {@code \p{..}}) of each name RE2 knows, by its {@link #canonical} form. */
    private static final Map<String, String> JAVA = javaNames();
    /** Marks a Java name whose set is the complement of RE2's ({@code Assigned}: not {@code Cn}). */
    private static final char COMPLEMENT = '!';

    private Re2Properties()
    {
    }

    /**
     * The Java form of the escape {@code \p..} or {@code \P..} of {@code length} characters at {@code at}: a
     * single-letter name ({@code \pL}) or one in braces, possibly negated by {@code ^}.
     *
     * @throws PatternSyntaxException (index {@code at}) if RE2 does not know the name.
     */
    static String toJava(final String regex, final int at, final int length)
    {
        final String escape = regex.substring(at, at + length);
        final boolean braced = length >= 4 && escape.charAt(2) == '{' && escape.endsWith("}");
        if (!braced && length != 3)
        {
            throw new PatternSyntaxException("RE2 refuses " + escape + " without a class name", regex, at);
        }
        String name = braced ? escape.substring(3, length - 1) : escape.substring(2);
        boolean negated = escape.charAt(1) == 'P';
        if (name.startsWith("^"))
        {
            negated = !negated;
            name = name.substring(1);
        }
        String java = JAVA.get(canonical(name));
        if (java == null)
        {
            throw new PatternSyntaxException("RE2 refuses the Unicode class " + escape + ": it knows general " +
                "categories (L, Lu, Letter, ...), scripts (Greek, ...), Any, Assigned and ASCII only", regex, at);
        }
        if (java.charAt(0) == COMPLEMENT)
        {
            negated = !negated;
            java = java.substring(1);
        }
        return (negated ? "\\P{" : "\\p{") + java + "}";
    }

    /**
     * {@code name} as RE2 looks it up: without {@code _}, {@code -} and spaces, its first letter in upper case and
     * the others in lower case (ASCII only), so that {@code \p{greek}}, {@code \p{Old Italic}} and {@code \p{lu}}
     * name {@code Greek}, {@code Old_Italic} and {@code Lu}.
     */
    static String canonical(final String name)
    {
        final StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            if (c == '_' || c == '-' || c == ' ')
            {
                continue;
            }
            final boolean first = sb.isEmpty();
            if (first && c >= 'a' && c <= 'z')
            {
                sb.append((char)(c - 'a' + 'A'));
            }
            else if (!first && c >= 'A' && c <= 'Z')
            {
                sb.append((char)(c - 'A' + 'a'));
            }
            else
            {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * RE2's names in the order it looks them up (a name found earlier wins): Any, Assigned and ASCII, the
     * categories, the scripts (every Unicode script Java knows, by its long name, as {@code \p{IsGreek}}) and the
     * categories' long names.
     */
    private static Map<String, String> javaNames()
    {
        final Map<String, String> names = new HashMap<>();
        names.put("Any", "all");
        names.put("Assigned", COMPLEMENT + "Cn");
        names.put("Ascii", "ASCII");
        for (final String category : CATEGORIES)
        {
            names.putIfAbsent(canonical(category), category);
        }
        for (final Character.UnicodeScript script : Character.UnicodeScript.values())
        {
            if (script != Character.UnicodeScript.UNKNOWN)
            {
                names.putIfAbsent(canonical(script.name()), "Is" + script.name());
            }
        }
        for (int i = 0; i < ALIASES.length; i += 2)
        {
            names.putIfAbsent(canonical(ALIASES[i]), ALIASES[i + 1]);
        }
        return Map.copyOf(names);
    }
}
