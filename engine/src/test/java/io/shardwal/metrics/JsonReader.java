package io.shardwal.metrics;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON reader (RFC 8259) for tests: objects become maps (duplicate names refused), arrays lists, numbers
 * {@link BigDecimal}s, strings with every escape decoded. Anything malformed, and anything after the value, fails
 * with the offset.
 */
public final class JsonReader
{
    private final String text;
    private int at;

    private JsonReader(final String text)
    {
        this.text = text;
    }

    public static Object parse(final String text)
    {
        final JsonReader reader = new JsonReader(text);
        final Object value = reader.value();
        reader.space();
        if (reader.at != text.length())
        {
            throw reader.fail("trailing characters");
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(final String text)
    {
        return (Map<String, Object>)parse(text);
    }

    private Object value()
    {
        space();
        if (at >= text.length())
        {
            throw fail("a value expected");
        }
        final char c = text.charAt(at);
        switch (c)
        {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                return number();
        }
    }

    private Map<String, Object> object()
    {
        final Map<String, Object> members = new LinkedHashMap<>();
        at++;
        space();
        if (peek() == '}')
        {
            at++;
            return members;
        }
        while (true)
        {
            space();
            if (peek() != '"')
            {
                throw fail("a member name expected");
            }
            final String name = string();
            space();
            expect(':');
            if (members.containsKey(name))
            {
                throw fail("duplicate member " + name);
            }
            members.put(name, value());
            space();
            if (peek() == ',')
            {
                at++;
                continue;
            }
            expect('}');
            return members;
        }
    }

    private List<Object> array()
    {
        final List<Object> values = new ArrayList<>();
        at++;
        space();
        if (peek() == ']')
        {
            at++;
            return values;
        }
        while (true)
        {
            values.add(value());
            space();
            if (peek() == ',')
            {
                at++;
                continue;
            }
            expect(']');
            return values;
        }
    }

    private String string()
    {
        expect('"');
        final StringBuilder out = new StringBuilder();
        while (true)
        {
            if (at >= text.length())
            {
                throw fail("unterminated string");
            }
            final char c = text.charAt(at++);
            if (c == '"')
            {
                return out.toString();
            }
            if (c < 0x20)
            {
                throw fail("raw control character in a string");
            }
            if (c != '\\')
            {
                out.append(c);
                continue;
            }
            final char e = text.charAt(at++);
            switch (e)
            {
                case '"', '\\', '/' -> out.append(e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' ->
                {
                    out.append((char)Integer.parseInt(text.substring(at, at + 4), 16));
                    at += 4;
                }
                default -> throw fail("bad escape \\" + e);
            }
        }
    }

    private BigDecimal number()
    {
        final int start = at;
        if (peek() == '-')
        {
            at++;
        }
        if (peek() == '0')
        {
            at++;
        }
        else
        {
            digits();
        }
        if (peek() == '.')
        {
            at++;
            digits();
        }
        if (peek() == 'e' || peek() == 'E')
        {
            at++;
            if (peek() == '+' || peek() == '-')
            {
                at++;
            }
            digits();
        }
        return new BigDecimal(text.substring(start, at));
    }

    private void digits()
    {
        final int start = at;
        while (at < text.length() && Character.isDigit(text.charAt(at)))
        {
            at++;
        }
        if (at == start)
        {
            throw fail("digits expected");
        }
    }

    private Object literal(final String word, final Object value)
    {
        if (!text.startsWith(word, at))
        {
            throw fail(word + " expected");
        }
        at += word.length();
        return value;
    }

    private void expect(final char c)
    {
        if (peek() != c)
        {
            throw fail("'" + c + "' expected");
        }
        at++;
    }

    private char peek()
    {
        return at < text.length() ? text.charAt(at) : '\0';
    }

    private void space()
    {
        while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0)
        {
            at++;
        }
    }

    private IllegalArgumentException fail(final String problem)
    {
        return new IllegalArgumentException("invalid JSON at offset " + at + ": " + problem + " in "
            + text.substring(Math.max(0, at - 40), Math.min(text.length(), at + 40)));
    }
}
