package io.shardwal.mmap;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The one unchecked exception shardwal throws for a broken state: a corrupt or foreign file, a closed log, a
 * failed shard, an I/O failure under an append. It names its {@link Category}, and where there is one, the exact
 * file and byte offset (or shard position) concerned, so the message alone is enough to find the damage.
 *
 * <p>Misuse of the API (a negative length, a key that is too long) is an {@link IllegalArgumentException} or
 * {@link IllegalStateException} instead; hot-path outcomes such as "segment full" are return values.
 */
public final class ShardwalException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** What kind of broken state this is. */
    public enum Category
    {
        /** Bytes that fail their checksum or layout checks. */
        CORRUPT,
        /** A file that is not a shardwal file of a version this code reads (magic, version, size). */
        FORMAT,
        /** The log, segment or reader was closed, possibly concurrently with this call. */
        CLOSED,
        /** The operating system refused an operation (no space, msync failure, permissions). */
        IO,
        /** The directory was written with other settings (shard count, router, segment size) than requested. */
        MISMATCH,
        /** Another writer holds the log. */
        LOCKED,
        /** An earlier failure (e.g. a failed msync) put a shard in a state that refuses appends. */
        FAILED,
        /** The requested position lies in a segment that was pruned. */
        PRUNED,
        /** A wait for other threads (a claim never committed, a sync that never ends) ran out of time. */
        TIMEOUT,
        /** A named thing (checkpoint id, shard, segment) does not exist. */
        NOT_FOUND
    }

    /** Offset value meaning "no particular offset". */
    public static final long NO_OFFSET = -1;

    private final Category category;
    private final String reason;
    private final transient Path file;
    private final long offset;

    public ShardwalException(final Category category, final String message)
    {
        this(category, message, null, NO_OFFSET, null);
    }

    public ShardwalException(final Category category, final String message, final Path file, final long offset)
    {
        this(category, message, file, offset, null);
    }

    public ShardwalException(
        final Category category, final String message, final Path file, final long offset, final Throwable cause)
    {
        super(format(category, message, file, offset), cause);
        this.category = Objects.requireNonNull(category, "category");
        this.reason = message;
        this.file = file;
        this.offset = offset;
    }

    private static String format(final Category category, final String message, final Path file, final long offset)
    {
        final StringBuilder text = new StringBuilder(category.name()).append(": ").append(message);
        if (file != null)
        {
            text.append(" [file ").append(file);
            if (offset != NO_OFFSET)
            {
                text.append(", offset ").append(offset);
            }
            text.append(']');
        }
        else if (offset != NO_OFFSET)
        {
            text.append(" [offset ").append(offset).append(']');
        }
        return text.toString();
    }

    public Category category()
    {
        return category;
    }

    /** The message without the category and the file: to say the same in a wider context. */
    public String reason()
    {
        return reason;
    }

    /** The file concerned, or null. */
    public Path file()
    {
        return file;
    }

    /** The byte offset in {@link #file()} or the log position concerned, or {@link #NO_OFFSET}. */
    public long offset()
    {
        return offset;
    }
}
