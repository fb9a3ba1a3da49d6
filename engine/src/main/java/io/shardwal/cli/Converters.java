package io.shardwal.cli;

import java.util.Locale;

import io.shardwal.metrics.LatencyRecording;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option values people type: counts with k/M/G, byte sizes with K/M/G, size ranges, latency modes. */
final class Converters
{
    private Converters()
    {
    }

    /** {@code 10000000}, {@code 10_000_000}, {@code 10M}, {@code 500k}, {@code 1G} (powers of 1000). */
    static final class Count implements ITypeConverter<Long>
    {
        @Override
        public Long convert(final String value)
        {
            return parse(value, 1000, "a count such as 10000000, 10_000_000, 10M or 500k");
        }
    }

    /** {@code 67108864}, {@code 64M}, {@code 64MiB}, {@code 16K}, {@code 1G} (powers of 1024). */
    static final class Bytes implements ITypeConverter<Long>
    {
        @Override
        public Long convert(final String value)
        {
            return parse(value.replaceAll("(?i)i?b$", ""), 1024, "a size in bytes such as 67108864, 64M or 16K");
        }
    }

    /** A range of sizes in bytes, both ends included. */
    record Sizes(int min, int max)
    {
        @Override
        public String toString()
        {
            return min == max ? min + " B" : min + "-" + max + " B";
        }
    }

    /** {@code 64-512} or a single number for a fixed size. */
    static final class SizeRange implements ITypeConverter<Sizes>
    {
        @Override
        public Sizes convert(final String value)
        {
            final String[] parts = value.strip().split("-", -1);
            try
            {
                if (parts.length == 1)
                {
                    final int size = Integer.parseInt(parts[0].strip());
                    return new Sizes(size, size);
                }
                if (parts.length == 2)
                {
                    return new Sizes(Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()));
                }
            }
            catch (final NumberFormatException e)
            {
                // fall through to the message below
            }
            throw new TypeConversionException("'" + value + "' is not a size or a range of sizes such as 64-512");
        }
    }

    /** {@code full}, {@code counters} (or {@code counters_only}), {@code off}. */
    static final class Latency implements ITypeConverter<LatencyRecording>
    {
        @Override
        public LatencyRecording convert(final String value)
        {
            return switch (value.strip().toLowerCase(Locale.ROOT).replace('-', '_'))
            {
                case "full" -> LatencyRecording.FULL;
                case "sampled" -> LatencyRecording.SAMPLED;
                case "counters", "counters_only" -> LatencyRecording.COUNTERS_ONLY;
                case "off" -> LatencyRecording.OFF;
                default -> throw new TypeConversionException("'" + value + "' is not one of full, sampled, counters, "
                    + "off");
            };
        }
    }

    private static long parse(final String value, final long unit, final String expected)
    {
        final String text = value.strip().replace("_", "");
        if (text.isEmpty())
        {
            throw new TypeConversionException("'" + value + "' is not " + expected);
        }
        final char last = Character.toLowerCase(text.charAt(text.length() - 1));
        final int power = switch (last)
        {
            case 'k' -> 1;
            case 'm' -> 2;
            case 'g' -> 3;
            case 't' -> 4;
            default -> 0;
        };
        try
        {
            long number = Long.parseLong(power == 0 ? text : text.substring(0, text.length() - 1));
            for (int i = 0; i < power; i++)
            {
                number = Math.multiplyExact(number, unit);
            }
            return number;
        }
        catch (final NumberFormatException | ArithmeticException e)
        {
            throw new TypeConversionException("'" + value + "' is not " + expected);
        }
    }
}
