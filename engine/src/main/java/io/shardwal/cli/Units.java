package io.shardwal.cli;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How the tools write numbers for people: durations, sizes, rates, counts. Locale-independent. */
final class Units
{
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS'Z'")
        .withZone(ZoneOffset.UTC);

    private Units()
    {
    }

    /** A latency: {@code 850ns}, {@code 1.24us}, {@code 35.1us}, {@code 1.40ms}, {@code 2.31s}; "-" for none. */
    static String nanos(final long nanos)
    {
        if (nanos < 0)
        {
            return "-";
        }
        if (nanos < 1_000)
        {
            return nanos + "ns";
        }
        if (nanos < 1_000_000)
        {
            return threeDigits(nanos / 1e3) + "us";
        }
        if (nanos < 1_000_000_000)
        {
            return threeDigits(nanos / 1e6) + "ms";
        }
        return threeDigits(nanos / 1e9) + "s";
    }

    /** Bytes as binary multiples: {@code 512 B}, {@code 64.0 KiB}, {@code 2.75 GiB}. */
    static String bytes(final long bytes)
    {
        if (bytes < 1024)
        {
            return bytes + " B";
        }
        final String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double value = bytes / 1024.0;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1)
        {
            value /= 1024;
            unit++;
        }
        return threeDigits(value) + " " + units[unit];
    }

    /** Megabytes (10^6 bytes) with one decimal, for tables. */
    static String megabytes(final long bytes)
    {
        return String.format(Locale.ROOT, "%.1f", bytes / 1e6);
    }

    /** A count with thousands separators: {@code 10,000,000}. */
    static String count(final long value)
    {
        return String.format(Locale.ROOT, "%,d", value);
    }

    /** A rate per second with an SI prefix: {@code 2.41M}, {@code 350k}, {@code 12.0}. */
    static String rate(final double perSecond)
    {
        if (perSecond >= 1e9)
        {
            return threeDigits(perSecond / 1e9) + "G";
        }
        if (perSecond >= 1e6)
        {
            return threeDigits(perSecond / 1e6) + "M";
        }
        if (perSecond >= 1e3)
        {
            return threeDigits(perSecond / 1e3) + "k";
        }
        return threeDigits(perSecond);
    }

    /** Seconds with two decimals. */
    static String seconds(final long nanos)
    {
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    /** An epoch-nanosecond timestamp in UTC, millisecond precision. */
    static String timestamp(final long epochNanos)
    {
        return TIME.format(Instant.ofEpochSecond(0, epochNanos));
    }

    static String timestamp(final Instant instant)
    {
        return TIME.format(instant);
    }

    /** Three significant digits: {@code 1.24}, {@code 35.1}, {@code 512}. */
    private static String threeDigits(final double value)
    {
        if (value >= 99.95)
        {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        if (value >= 9.995)
        {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }
}
