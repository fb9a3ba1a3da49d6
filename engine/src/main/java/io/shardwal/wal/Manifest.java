package io.shardwal.wal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

import io.shardwal.mmap.DurableFiles;
import io.shardwal.mmap.ShardwalException;
import io.shardwal.route.RouterKind;

/**
 * {@code wal.manifest}: the settings a log was created with, written once, atomically, and checked on every open.
 * A small text file so that operators can read it:
 *
 * <pre>
 * # shardwal manifest: written once when the log was created; do not edit
 * format=1
 * shards=16
 * router=JUMP
 * seed=0
 * vnodes=0
 * segmentSize=67108864
 * created=2026-11-22T10:00:00Z
 * crc32c=1a2b3c4d
 * </pre>
 *
 * The last line is the CRC32C (8 hex digits) of every byte before it. {@code vnodes} is reserved for ring routers
 * and is 0 for JUMP and MODULO. Unknown keys, a newer {@code format}, a bad checksum or a missing key are errors.
 */
public record Manifest(int format, int shardCount, RouterKind router, long seed, int vnodes, long segmentSize,
    String created)
{
    public static final String FILE_NAME = "wal.manifest";
    public static final int FORMAT = 1;

    private static final String HEADER = "# shardwal manifest: written once when the log was created; do not edit\n";
    private static final String CRC_KEY = "crc32c=";

    /** The manifest a new log with these options gets. */
    static Manifest of(final WalOptions options)
    {
        return new Manifest(FORMAT, options.shardCount(), options.router(), options.routerSeed(), 0,
            options.segmentSize(), Instant.now().toString());
    }

    /** The manifest's text, checksum line included. */
    String render()
    {
        final String body = HEADER + "format=" + format + "\nshards=" + shardCount + "\nrouter=" + router
            + "\nseed=" + seed + "\nvnodes=" + vnodes + "\nsegmentSize=" + segmentSize + "\ncreated=" + created + "\n";
        return body + CRC_KEY + String.format("%08x", crc(body.getBytes(StandardCharsets.UTF_8))) + "\n";
    }

    /** Writes the manifest atomically ({@link DurableFiles#replace}: temporary file, force, rename, directory sync). */
    void writeTo(final Path directory) throws IOException
    {
        DurableFiles.replace(directory, FILE_NAME, render().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads and validates {@code directory/wal.manifest}.
     *
     * @throws NoSuchFileException if there is none.
     * @throws ShardwalException   FORMAT or CORRUPT naming the file and line.
     */
    public static Manifest read(final Path directory) throws IOException
    {
        final Path file = directory.resolve(FILE_NAME);
        final byte[] bytes = Files.readAllBytes(file);
        final String text = new String(bytes, StandardCharsets.UTF_8);
        final int crcLine = text.lastIndexOf(CRC_KEY);
        if (crcLine < 0 || (crcLine > 0 && text.charAt(crcLine - 1) != '\n'))
        {
            throw corrupt(file, "has no " + CRC_KEY + " line (not a shardwal manifest, or cut short)");
        }
        final String body = text.substring(0, crcLine);
        final String stored = text.substring(crcLine + CRC_KEY.length()).strip();
        final String actual = String.format("%08x", crc(body.getBytes(StandardCharsets.UTF_8)));
        if (!actual.equals(stored))
        {
            throw corrupt(file, "checksum mismatch: stored " + stored + ", computed " + actual
                + " (edited or damaged)");
        }
        final Map<String, String> values = new LinkedHashMap<>();
        final String[] lines = body.split("\n");
        for (int i = 0; i < lines.length; i++)
        {
            final String line = lines[i];
            if (line.isBlank() || line.startsWith("#"))
            {
                continue;
            }
            final int equals = line.indexOf('=');
            if (equals <= 0)
            {
                throw corrupt(file, "line " + (i + 1) + " is not key=value: " + line);
            }
            values.put(line.substring(0, equals), line.substring(equals + 1));
        }
        final int format = intValue(values, "format", file);
        if (format != FORMAT)
        {
            throw new ShardwalException(ShardwalException.Category.FORMAT, "manifest format " + format
                + " is not supported by this shardwal (it reads format " + FORMAT + ")", file, 0);
        }
        final Manifest manifest;
        try
        {
            manifest = new Manifest(format, intValue(values, "shards", file),
                RouterKind.valueOf(required(values, "router", file)), Long.parseLong(required(values, "seed", file)),
                intValue(values, "vnodes", file), Long.parseLong(required(values, "segmentSize", file)),
                required(values, "created", file));
        }
        catch (final IllegalArgumentException e)
        {
            throw corrupt(file, "has an invalid value: " + e.getMessage());
        }
        values.keySet().removeAll(java.util.List.of("format", "shards", "router", "seed", "vnodes", "segmentSize",
            "created"));
        if (!values.isEmpty())
        {
            throw new ShardwalException(ShardwalException.Category.FORMAT, "manifest has keys this shardwal does not "
                + "know: " + values.keySet(), file, 0);
        }
        return manifest;
    }

    /**
     * Checks that {@code options} ask for the log this manifest describes.
     *
     * @throws ShardwalException MISMATCH naming every setting that differs, expected and found.
     */
    void check(final WalOptions options, final Path directory)
    {
        final StringBuilder differences = new StringBuilder();
        differ(differences, "shard count", options.shardCount(), shardCount);
        differ(differences, "router", options.router(), router);
        differ(differences, "router seed", options.routerSeed(), seed);
        differ(differences, "segment size", options.segmentSize(), segmentSize);
        if (!differences.isEmpty())
        {
            throw new ShardwalException(ShardwalException.Category.MISMATCH, "the log in " + directory
                + " was created with other settings; nothing was touched: " + differences
                + " (open it with the settings in " + FILE_NAME + ", or reshard it into a new directory)",
                directory.resolve(FILE_NAME), ShardwalException.NO_OFFSET);
        }
    }

    private static void differ(final StringBuilder out, final String what, final Object requested, final Object found)
    {
        if (!requested.equals(found))
        {
            out.append(out.isEmpty() ? "" : "; ").append(what).append(": requested ").append(requested)
                .append(", the manifest says ").append(found);
        }
    }

    private static String required(final Map<String, String> values, final String key, final Path file)
    {
        final String value = values.get(key);
        if (value == null)
        {
            throw corrupt(file, "lacks the key '" + key + "'");
        }
        return value;
    }

    private static int intValue(final Map<String, String> values, final String key, final Path file)
    {
        try
        {
            return Integer.parseInt(required(values, key, file));
        }
        catch (final NumberFormatException e)
        {
            throw corrupt(file, "has a non-numeric " + key + ": " + values.get(key));
        }
    }

    private static int crc(final byte[] bytes)
    {
        final CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int)crc.getValue();
    }

    private static ShardwalException corrupt(final Path file, final String problem)
    {
        return new ShardwalException(ShardwalException.Category.CORRUPT, "manifest " + problem, file,
            ShardwalException.NO_OFFSET);
    }
}
