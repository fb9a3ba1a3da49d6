package io.shardwal.metrics;

/**
 * A minimal streaming JSON writer (RFC 8259) for shardwal's renderings and tools: objects, arrays, strings,
 * integers and finite doubles, compact, with commas placed by itself. Strings are escaped completely: quote,
 * backslash and every control character; characters beyond ASCII are written as they are (the output is UTF-8
 * text). Non-finite doubles, which JSON cannot carry, are written as {@code null}.
 *
 * <p>Misuse (a value where a name is due) is not detected: callers are the renderers of this project.
 * Not thread-safe.
 */
public final class JsonWriter
{
    private final StringBuilder out;
    /** Whether the next value or name at the current level needs a comma first. */
    private boolean comma;

    public JsonWriter()
    {
        this(new StringBuilder(256));
    }

    public JsonWriter(final StringBuilder out)
    {
        this.out = out;
    }

    public JsonWriter beginObject()
    {
        separate();
        out.append('{');
        comma = false;
        return this;
    }

    public JsonWriter endObject()
    {
        out.append('}');
        comma = true;
        return this;
    }

    public JsonWriter beginArray()
    {
        separate();
        out.append('[');
        comma = false;
        return this;
    }

    public JsonWriter endArray()
    {
        out.append(']');
        comma = true;
        return this;
    }

    /** The name of the next member of the current object. */
    public JsonWriter name(final String name)
    {
        separate();
        quote(out, name);
        out.append(':');
        comma = false;
        return this;
    }

    public JsonWriter value(final String value)
    {
        separate();
        if (value == null)
        {
            out.append("null");
        }
        else
        {
            quote(out, value);
        }
        comma = true;
        return this;
    }

    public JsonWriter value(final long value)
    {
        separate();
        out.append(value);
        comma = true;
        return this;
    }

    public JsonWriter value(final double value)
    {
        separate();
        if (Double.isFinite(value))
        {
            out.append(value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long)value)
                : Double.toString(value));
        }
        else
        {
            out.append("null");
        }
        comma = true;
        return this;
    }

    public JsonWriter value(final boolean value)
    {
        separate();
        out.append(value);
        comma = true;
        return this;
    }

    public JsonWriter nullValue()
    {
        separate();
        out.append("null");
        comma = true;
        return this;
    }

    /** {@code name} and a string (or null) value. */
    public JsonWriter field(final String name, final String value)
    {
        return name(name).value(value);
    }

    public JsonWriter field(final String name, final long value)
    {
        return name(name).value(value);
    }

    public JsonWriter field(final String name, final double value)
    {
        return name(name).value(value);
    }

    public JsonWriter field(final String name, final boolean value)
    {
        return name(name).value(value);
    }

    private void separate()
    {
        if (comma)
        {
            out.append(',');
            comma = false;
        }
    }

    /** Appends {@code value} as a JSON string literal, quotes included. */
    public static void quote(final StringBuilder out, final CharSequence value)
    {
        out.append('"');
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            switch (c)
            {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default ->
                {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029 || Character.isSurrogate(c) && !pairedAt(value, i))
                    {
                        out.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Whether the surrogate at {@code i} is half of a valid pair (a lone one is escaped, never written raw). */
    private static boolean pairedAt(final CharSequence value, final int i)
    {
        final char c = value.charAt(i);
        if (Character.isHighSurrogate(c))
        {
            return i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(value.charAt(i - 1));
    }

    @Override
    public String toString()
    {
        return out.toString();
    }
}
