package io.shardwal.index;

import java.util.Arrays;
import java.util.Map;

/**
 * The canonical label set of one series: label names are unique and sorted ({@link String#compareTo} order), and a
 * label with an empty value is the same as no label at all, so it is dropped (Prometheus semantics: {@code a=""}
 * selects series without {@code a}). Immutable and thread-safe.
 *
 * <p>Construction validates once: a {@code null} or empty label name, a {@code null} value and a duplicate label
 * name are {@link IllegalArgumentException}s naming the offending label.
 */
public final class Labels
{
    /** The empty label set. No series can be indexed with it. */
    public static final Labels EMPTY = new Labels(new String[0], new String[0]);

    private final String[] names;
    private final String[] values;
    private int hash;

    private Labels(final String[] names, final String[] values)
    {
        this.names = names;
        this.values = values;
    }

    /**
     * Labels from alternating names and values: {@code Labels.of("__name__", "up", "job", "node")}.
     *
     * @throws IllegalArgumentException on an odd argument count, an empty name or a duplicate name.
     */
    public static Labels of(final String... namesAndValues)
    {
        if ((namesAndValues.length & 1) != 0)
        {
            throw new IllegalArgumentException(
                "labels need name/value pairs but got an odd count: " + namesAndValues.length);
        }
        final int count = namesAndValues.length >> 1;
        final String[] names = new String[count];
        final String[] values = new String[count];
        for (int i = 0; i < count; i++)
        {
            names[i] = namesAndValues[2 * i];
            values[i] = namesAndValues[2 * i + 1];
        }
        return canonical(names, values, count);
    }

    /** Labels from a map of name to value. */
    public static Labels of(final Map<String, String> map)
    {
        final String[] names = new String[map.size()];
        final String[] values = new String[map.size()];
        int i = 0;
        for (final Map.Entry<String, String> e : map.entrySet())
        {
            names[i] = e.getKey();
            values[i] = e.getValue();
            i++;
        }
        return canonical(names, values, i);
    }

    /** A builder that collects labels in any order; {@link Builder#build()} canonicalises them. */
    public static Builder builder()
    {
        return new Builder();
    }

    /** Number of labels (all with non-empty values). */
    public int size()
    {
        return names.length;
    }

    /** Whether there are no labels. */
    public boolean isEmpty()
    {
        return names.length == 0;
    }

    /** The name of the {@code index}-th label in canonical order. */
    public String name(final int index)
    {
        return names[index];
    }

    /** The value of the {@code index}-th label in canonical order. */
    public String value(final int index)
    {
        return values[index];
    }

    /** The value of label {@code name}, or {@code ""} if the series has no such label (Prometheus semantics). */
    public String get(final String name)
    {
        final int i = Arrays.binarySearch(names, name);
        return i >= 0 ? values[i] : "";
    }

    /** A copy with label {@code name} set to {@code value} (an empty value removes the label). */
    public Labels with(final String name, final String value)
    {
        final Builder builder = new Builder();
        for (int i = 0; i < names.length; i++)
        {
            if (!names[i].equals(name))
            {
                builder.add(names[i], values[i]);
            }
        }
        return builder.add(name, value).build();
    }

    @Override
    public boolean equals(final Object other)
    {
        return this == other ||
            other instanceof Labels that && Arrays.equals(names, that.names) && Arrays.equals(values, that.values);
    }

    @Override
    public int hashCode()
    {
        int h = hash;
        if (h == 0)
        {
            h = 31 * Arrays.hashCode(names) + Arrays.hashCode(values);
            hash = h;
        }
        return h;
    }

    /** Prometheus notation: {@code {job="node", mode="idle"}} with {@code \\}, {@code \"} and {@code \n} escaped. */
    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder().append('{');
        for (int i = 0; i < names.length; i++)
        {
            if (i > 0)
            {
                sb.append(", ");
            }
            sb.append(names[i]).append("=\"");
            escapeTo(sb, values[i]);
            sb.append('"');
        }
        return sb.append('}').toString();
    }

    static void escapeTo(final StringBuilder sb, final String value)
    {
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            switch (c)
            {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
    }

    /** Trusted constructor for arrays that are already canonical (used when decoding the index). */
    static Labels ofCanonical(final String[] names, final String[] values)
    {
        return new Labels(names, values);
    }

    private static Labels canonical(final String[] names, final String[] values, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            final String name = names[i];
            if (name == null || name.isEmpty())
            {
                throw new IllegalArgumentException(
                    "label name at position " + i + " is " + (name == null ? "null" : "empty") +
                    " (value " + quoted(values[i]) + ")");
            }
            if (values[i] == null)
            {
                throw new IllegalArgumentException("label '" + name + "' has a null value");
            }
        }
        sortByName(names, values, count);
        int kept = 0;
        for (int i = 0; i < count; i++)
        {
            if (i > 0 && names[i].equals(names[i - 1]))
            {
                // checked before empty values are dropped: a name given twice is a bug in the caller either way
                throw new IllegalArgumentException("duplicate label name '" + names[i] + "'");
            }
            if (!values[i].isEmpty())
            {
                names[kept] = names[i];
                values[kept] = values[i];
                kept++;
            }
        }
        if (kept == 0)
        {
            return EMPTY;
        }
        return new Labels(
            kept == names.length ? names : Arrays.copyOf(names, kept),
            kept == values.length ? values : Arrays.copyOf(values, kept));
    }

    /** Insertion sort for the usual handful of labels, a merge sort via index permutation beyond that. */
    private static void sortByName(final String[] names, final String[] values, final int count)
    {
        if (count <= 16)
        {
            for (int i = 1; i < count; i++)
            {
                final String n = names[i];
                final String v = values[i];
                int j = i - 1;
                while (j >= 0 && names[j].compareTo(n) > 0)
                {
                    names[j + 1] = names[j];
                    values[j + 1] = values[j];
                    j--;
                }
                names[j + 1] = n;
                values[j + 1] = v;
            }
            return;
        }
        final Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> names[a].compareTo(names[b]));
        final String[] n = Arrays.copyOf(names, count);
        final String[] v = Arrays.copyOf(values, count);
        for (int i = 0; i < count; i++)
        {
            names[i] = n[order[i]];
            values[i] = v[order[i]];
        }
    }

    private static String quoted(final String value)
    {
        return value == null ? "null" : "\"" + value + "\"";
    }

    /** Collects labels in any order. Not thread-safe. */
    public static final class Builder
    {
        private String[] names = new String[8];
        private String[] values = new String[8];
        private int count;

        private Builder()
        {
        }

        /** Adds one label; an empty value is allowed and means "no such label". */
        public Builder add(final String name, final String value)
        {
            if (count == names.length)
            {
                names = Arrays.copyOf(names, count * 2);
                values = Arrays.copyOf(values, count * 2);
            }
            names[count] = name;
            values[count] = value;
            count++;
            return this;
        }

        /** The canonical labels; the builder may be reused after {@link #reset()}. */
        public Labels build()
        {
            return canonical(Arrays.copyOf(names, count), Arrays.copyOf(values, count), count);
        }

        /** Forgets all labels added so far. */
        public Builder reset()
        {
            Arrays.fill(names, 0, count, null);
            Arrays.fill(values, 0, count, null);
            count = 0;
            return this;
        }
    }
}
