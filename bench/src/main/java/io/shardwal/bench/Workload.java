package io.shardwal.bench;

import java.util.SplittableRandom;

/**
 * What every subject of a layer writes and how much of it one measurement covers: the same bytes for the same
 * size, so that no subject gets an easier payload, and the same number of records per measured shot.
 */
public final class Workload
{
    /**
     * Records each writer thread appends in one measured shot (the {@code batchSize} of single-shot iterations).
     * Large enough that a shot lasts milliseconds even at memory speed, small enough that a fresh file per shot
     * (200 MB for 1 KiB records) stays far below the kernel's dirty-page limits.
     */
    public static final int RECORDS_PER_SHOT = 200_000;

    /**
     * Smallest warm region (mapped file or segment) a warm benchmark writes into. Shots advance through it and
     * start over only when the next shot does not fit, so the range a shot writes was last touched at least
     * {@code 256 MiB - shot} bytes earlier: more than any current last-level cache, so a shot meets resident,
     * writable pages but not cache-resident lines, as a log that streams through memory does.
     */
    public static final long WARM_REGION_BYTES = 256L << 20;

    /**
     * Records each writer thread appends per measured shot when every append waits for the disk (STRICT group
     * commit and its per-append-msync baseline): at ~70 µs per msync, one writer's shot then lasts ~0.1 s and 64
     * writers' a few seconds at worst.
     */
    public static final int DURABLE_RECORDS_PER_SHOT = 1_000;

    /**
     * Records each of 64 writer threads appends per measured shot in the many-writer scenario: 1.28 M records (about
     * 120 MB of frames) per shot.
     */
    public static final int MANY_WRITER_RECORDS_PER_SHOT = 20_000;

    /**
     * Key length of WAL records where the benchmark needs keys only for routing: 8 bytes, e.g. a writer's or an
     * instrument's id. Keys are framed and checksummed with the record, so a WAL frame of a 64-byte payload is 88
     * bytes (12 header + 8 key + 64 value, 8-byte aligned); the raw and peer subjects write the payload only.
     */
    public static final int KEY_BYTES = 8;

    /** Length of the random keys of the many-writer scenario: 16 bytes, the size of a UUID. */
    public static final int RANDOM_KEY_BYTES = 16;

    private static final long SEED = 0x5EED_0F_5A4D_3A11L;

    private Workload()
    {
    }

    /** {@code size} pseudo-random bytes, the same on every call and in every JVM. */
    public static byte[] payload(final int size)
    {
        if (size < 0)
        {
            throw new IllegalArgumentException("payload size " + size + " is negative");
        }
        final byte[] bytes = new byte[size];
        final SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < size; i++)
        {
            bytes[i] = (byte)random.nextInt(256);
        }
        return bytes;
    }

    /**
     * {@code count} pseudo-random keys of {@code length} bytes, the same for the same {@code stream} in every JVM
     * (e.g. one stream per writer thread, so that threads write different keys).
     */
    public static byte[][] randomKeys(final int count, final int length, final long stream)
    {
        final SplittableRandom random = new SplittableRandom(SEED ^ (stream * 0x9E37_79B9_7F4A_7C15L));
        final byte[][] keys = new byte[count][length];
        for (final byte[] key : keys)
        {
            for (int i = 0; i < length; i++)
            {
                key[i] = (byte)random.nextInt(256);
            }
        }
        return keys;
    }

    /** The 8-byte little-endian encoding of {@code value}: a key made of a number. */
    public static byte[] longKey(final long value)
    {
        final byte[] key = new byte[KEY_BYTES];
        for (int i = 0; i < KEY_BYTES; i++)
        {
            key[i] = (byte)(value >>> (8 * i));
        }
        return key;
    }

    /** {@code value} rounded up to a multiple of {@code alignment} (a power of two). */
    public static long alignUp(final long value, final long alignment)
    {
        return (value + alignment - 1) & -alignment;
    }
}
