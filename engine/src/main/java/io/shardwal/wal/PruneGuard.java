package io.shardwal.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import io.shardwal.mmap.DurableFiles;
import io.shardwal.mmap.ShardwalException;

/**
 * A log's declaration that its segments must not be deleted by a plain {@link ShardedWal#pruneBefore(byte[])}: the
 * records in them need a step first that only the guard's owner knows how to take. The ingest front end guards the
 * logs it writes (owner {@code ingest}): a series is defined in the log once, and its prune writes the definitions of
 * the segments it deletes again before deleting them; a plain prune would leave every later sample of those series
 * without labels after a restart.
 *
 * <p>The log itself knows no record formats; the guard only names who does and says what to do. A plain prune of a
 * guarded log is refused with {@link IllegalStateException} before anything is deleted; the owner, having taken its
 * step, prunes with {@link ShardedWal#pruneBefore(byte[], String)}. A log has at most one owner, and a guard is
 * never removed.
 *
 * <p>On disk, {@code prune.guard} in the log's directory, UTF-8, written once and replaced atomically
 * ({@link DurableFiles}):
 * <pre>
 * # shardwal prune guard: ...
 * owner=ingest
 * instruction=prune through Ingest.pruneBefore, or shardwal prune DIR --before ID --ingest
 * </pre>
 *
 * @param owner       who wrote the log's records and must take part in deleting them: 1-64 characters of
 *                    {@code a-z 0-9 . _ -}, starting with a letter.
 * @param instruction what to do instead of a plain prune, for the refusal's message: one line of 1-1,000 characters.
 */
public record PruneGuard(String owner, String instruction)
{
    /** The guard's file in the log's directory. */
    public static final String FILE_NAME = "prune.guard";

    private static final Pattern OWNER = Pattern.compile("[a-z][a-z0-9._-]{0,63}");
    private static final int MAX_INSTRUCTION = 1_000;
    private static final String HEADER = "# shardwal prune guard: segments of this log are deleted only through its "
        + "owner; do not edit\n";

    /** @throws IllegalArgumentException if the owner or instruction break the rules above. */
    public PruneGuard
    {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(instruction, "instruction");
        if (!OWNER.matcher(owner).matches())
        {
            throw new IllegalArgumentException("a prune guard's owner is 1-64 characters of a-z 0-9 . _ - starting "
                + "with a letter, not \"" + owner + "\"");
        }
        if (instruction.isBlank() || instruction.length() > MAX_INSTRUCTION
            || instruction.chars().anyMatch(Character::isISOControl))
        {
            throw new IllegalArgumentException("a prune guard's instruction is one line of 1-" + MAX_INSTRUCTION
                + " characters without control characters; got " + instruction.length() + " characters");
        }
    }

    /**
     * Guards {@code wal}'s log for {@code owner}, unless it already is (then the guard on disk is returned as it is).
     *
     * @throws IllegalArgumentException if {@code wal} is read-only, or the owner or instruction break the rules.
     * @throws IllegalStateException    if another owner guards the log.
     * @throws ShardwalException        IO if the file cannot be written; CORRUPT or FORMAT if the one there is
     *                                  unreadable.
     */
    public static PruneGuard install(final ShardedWal wal, final String owner, final String instruction)
    {
        final PruneGuard wanted = new PruneGuard(owner, instruction);
        if (wal.isReadOnly())
        {
            throw new IllegalArgumentException("cannot guard the log in " + wal.directory() + " against plain prunes: "
                + "it is open read-only");
        }
        final Optional<PruneGuard> present = read(wal.directory());
        if (present.isPresent() && !present.get().owner().equals(owner))
        {
            throw new IllegalStateException("cannot guard the log in " + wal.directory() + " for \"" + owner
                + "\": its owner is \"" + present.get().owner() + "\" (" + wal.directory().resolve(FILE_NAME) + ")");
        }
        if (present.isPresent())
        {
            return present.get();
        }
        try
        {
            DurableFiles.replace(wal.directory(), FILE_NAME, wanted.render().getBytes(StandardCharsets.UTF_8));
        }
        catch (final IOException e)
        {
            throw new ShardwalException(ShardwalException.Category.IO, "cannot write the prune guard of owner "
                + owner + ": " + e.getMessage(), wal.directory().resolve(FILE_NAME), ShardwalException.NO_OFFSET, e);
        }
        return wanted;
    }

    /**
     * The guard of the log in {@code directory}, if it has one.
     *
     * @throws ShardwalException CORRUPT if the file is not a guard (naming the file and line), FORMAT if it has
     *                           fields this version does not know, IO if it cannot be read.
     */
    public static Optional<PruneGuard> read(final Path directory)
    {
        final Path file = directory.resolve(FILE_NAME);
        final byte[] bytes;
        try
        {
            bytes = Files.readAllBytes(file);
        }
        catch (final NoSuchFileException e)
        {
            return Optional.empty();
        }
        catch (final IOException e)
        {
            throw new ShardwalException(ShardwalException.Category.IO, "cannot read the prune guard: " + e,
                file, ShardwalException.NO_OFFSET, e);
        }
        return Optional.of(parse(file, bytes));
    }

    /**
     * Refuses a prune by {@code pruner} (null: a plain prune) unless it is this guard's owner.
     *
     * @throws IllegalStateException naming the log, the owner and the instruction.
     */
    void checkPrunableBy(final String pruner, final Path directory)
    {
        if (!owner.equals(pruner))
        {
            throw new IllegalStateException("the log in " + directory + " is guarded against "
                + (pruner == null ? "plain prunes" : "prunes by \"" + pruner + "\"") + " by its owner \"" + owner
                + "\" (" + directory.resolve(FILE_NAME) + "): " + instruction + "; nothing was deleted");
        }
    }

    private String render()
    {
        return HEADER + "owner=" + owner + "\ninstruction=" + instruction + "\n";
    }

    private static PruneGuard parse(final Path file, final byte[] bytes)
    {
        final String text;
        try
        {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        }
        catch (final CharacterCodingException e)
        {
            throw corrupt(file, "it is not UTF-8 text");
        }
        String owner = null;
        String instruction = null;
        int number = 0;
        for (final String line : text.split("\n", -1))
        {
            number++;
            if (line.isEmpty() || line.startsWith("#"))
            {
                continue;
            }
            final int equals = line.indexOf('=');
            if (equals < 0)
            {
                throw corrupt(file, "line " + number + " is not a comment or a field: \"" + line + "\"");
            }
            final String key = line.substring(0, equals);
            if (!(key.equals("owner") || key.equals("instruction")))
            {
                throw new ShardwalException(ShardwalException.Category.FORMAT, "line " + number + " of the prune "
                    + "guard is not a field this version of shardwal knows: \"" + line + "\"", file,
                    ShardwalException.NO_OFFSET);
            }
            if ((key.equals("owner") ? owner : instruction) != null)
            {
                throw corrupt(file, "line " + number + " repeats the field " + key);
            }
            if (key.equals("owner"))
            {
                owner = line.substring(equals + 1);
            }
            else
            {
                instruction = line.substring(equals + 1);
            }
        }
        if (owner == null || instruction == null)
        {
            throw corrupt(file, "it has no " + (owner == null ? "owner" : "instruction") + " line");
        }
        try
        {
            return new PruneGuard(owner, instruction);
        }
        catch (final IllegalArgumentException e)
        {
            throw corrupt(file, e.getMessage());
        }
    }

    private static ShardwalException corrupt(final Path file, final String problem)
    {
        return new ShardwalException(ShardwalException.Category.CORRUPT, "unreadable prune guard (a guarded log is "
            + "not pruned until it is repaired): " + problem, file, ShardwalException.NO_OFFSET);
    }
}
