package io.shardwal.nativetests;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code name=value} arguments of the child mains: built by the parent, parsed by the child. */
final class ChildArgs
{
    private final Map<String, String> values = new LinkedHashMap<>();

    ChildArgs set(final String name, final Object value)
    {
        values.put(name, String.valueOf(value));
        return this;
    }

    String[] toArray()
    {
        final List<String> args = new ArrayList<>();
        values.forEach((name, value) -> args.add(name + "=" + value));
        return args.toArray(String[]::new);
    }

    static ChildArgs parse(final String[] args)
    {
        final ChildArgs parsed = new ChildArgs();
        for (final String arg : args)
        {
            final int equals = arg.indexOf('=');
            if (equals <= 0)
            {
                throw new IllegalArgumentException("expected name=value, not '" + arg + "'");
            }
            parsed.values.put(arg.substring(0, equals), arg.substring(equals + 1));
        }
        return parsed;
    }

    String string(final String name)
    {
        final String value = values.get(name);
        if (value == null)
        {
            throw new IllegalArgumentException("missing argument " + name + "=... in " + values);
        }
        return value;
    }

    String string(final String name, final String fallback)
    {
        return values.getOrDefault(name, fallback);
    }

    int integer(final String name, final int fallback)
    {
        return values.containsKey(name) ? Integer.parseInt(values.get(name)) : fallback;
    }

    long number(final String name, final long fallback)
    {
        return values.containsKey(name) ? Long.parseLong(values.get(name)) : fallback;
    }

    boolean flag(final String name)
    {
        return Boolean.parseBoolean(values.getOrDefault(name, "false"));
    }

    Path path(final String name)
    {
        return Path.of(string(name));
    }
}
