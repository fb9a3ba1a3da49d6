package io.shardwal.wal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.SegmentDescriptor;
import io.shardwal.mmap.ShardwalException;

/**
 * Random damage to one file of a log directory: bits flipped, a range overwritten with random bytes, 0xFF or
 * zeros, the file cut short, extended with garbage, or deleted. The file is any regular file the directory holds,
 * found by listing it. A {@link Damage} says what was done and which byte range of the file it touched.
 */
final class LogDamage
{
    private LogDamage()
    {
    }

    /** What was done to which file: {@code [from, to)} is the damaged range of the file's bytes (to is exclusive). */
    record Damage(Path file, String what, long from, long to)
    {
        static final long END = Long.MAX_VALUE;

        boolean deleted()
        {
            return what.startsWith("delete");
        }

        /** The shard whose segment (or directory) this damaged, or -1 for another file. */
        int shard()
        {
            if (isShardDirectory())
            {
                return Integer.parseInt(file.getFileName().toString().substring("shard_".length()));
            }
            final String parent = file.getParent().getFileName().toString();
            return isSegment() ? Integer.parseInt(parent.substring("shard_".length())) : -1;
        }

        /** The first shard position the damage touches (the segment's base for its header); for shards only. */
        long positionFrom()
        {
            return isShardDirectory() ? 0 : base() + Math.max(0, from - SegmentDescriptor.DATA_OFFSET);
        }

        /** The shard position after the last one the damage touches; for shards only. */
        long positionTo()
        {
            return to == END ? Long.MAX_VALUE : base() + Math.max(0, to - SegmentDescriptor.DATA_OFFSET);
        }

        private boolean isShardDirectory()
        {
            final String name = file.getFileName().toString();
            return name.startsWith("shard_") && !name.endsWith(".wal");
        }

        /** Whether a message names the damaged file (or, for a segment, its shard's directory). */
        boolean namedIn(final String message)
        {
            return message.contains(file.getFileName().toString())
                || isSegment() && message.contains(file.getParent().getFileName().toString());
        }

        private boolean isSegment()
        {
            return file.getFileName().toString().endsWith(".wal")
                && file.getParent().getFileName().toString().startsWith("shard_");
        }

        private long base()
        {
            final String name = file.getFileName().toString();
            return Long.parseLong(name.substring(0, name.length() - ".wal".length()));
        }

        @Override
        public String toString()
        {
            return what + " of " + file.getParent().getFileName() + "/" + file.getFileName() + " in bytes [" + from
                + ", " + (to == END ? "end" : to) + ")";
        }
    }

    /** The regular files of {@code directory} (recursively), sorted so that a seed picks the same one every run. */
    static List<Path> files(final Path directory)
    {
        try (Stream<Path> walk = Files.walk(directory))
        {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Damages one file of {@code directory} as {@code random} chooses; a segment moved to another name damages two
     * (the one it left and the one it took).
     */
    static List<Damage> damage(final Path directory, final SplittableRandom random)
    {
        final List<Path> files = files(directory);
        final Path file = files.get(random.nextInt(files.size()));
        try
        {
            final int kind = random.nextInt(100);
            if (kind < 8 && file.getFileName().toString().endsWith(".wal"))
            {
                return moveSegment(file, random, kind < 5);
            }
            if (kind < 15 && file.getFileName().toString().endsWith(".wal"))
            {
                return List.of(copyFrame(file, files, random));
            }
            if (kind >= 97 && file.getFileName().toString().endsWith(".wal"))
            {
                return List.of(damageShardDirectory(file.getParent(), file, random));
            }
            return List.of(damageFile(file, random));
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /** Renames (or copies) a segment file to the name of the segment after or before it in its shard. */
    private static List<Damage> moveSegment(final Path file, final SplittableRandom random, final boolean rename)
        throws IOException
    {
        final String name = file.getFileName().toString();
        final long base = Long.parseLong(name.substring(0, name.length() - ".wal".length()));
        final long to = random.nextBoolean() || base == 0 ? base + WrittenLog.SEGMENT_SIZE
            : base - WrittenLog.SEGMENT_SIZE;
        final Path target = file.resolveSibling(ShardSegments.fileName(to));
        final Damage taken = new Damage(target, (rename ? "rename " : "copy ") + name + " to this name", 0,
            Damage.END);
        if (rename)
        {
            Files.move(file, target, StandardCopyOption.REPLACE_EXISTING);
            return List.of(new Damage(file, "delete (renamed to " + target.getFileName() + ")", 0, Damage.END), taken);
        }
        Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
        return List.of(taken);
    }

    /** Deletes a shard's directory, or puts a copy of one of its segments there under a name off the grid. */
    private static Damage damageShardDirectory(final Path shard, final Path segment, final SplittableRandom random)
        throws IOException
    {
        if (random.nextBoolean())
        {
            for (final Path file : files(shard))
            {
                Files.delete(file);
            }
            Files.delete(shard);
            return new Damage(shard, "delete the directory", 0, Damage.END);
        }
        final String name = segment.getFileName().toString();
        final long base = Long.parseLong(name.substring(0, name.length() - ".wal".length()));
        final Path stray = shard.resolve(ShardSegments.fileName(base + 8 * (1 + random.nextInt(1000))));
        Files.copy(segment, stray, StandardCopyOption.REPLACE_EXISTING);
        return new Damage(stray, "copy " + name + " to a name off the segment grid", 0, Damage.END);
    }

    /** Copies a piece of a segment (often whole frames: 8-aligned) from another segment, or another place of it. */
    private static Damage copyFrame(final Path file, final List<Path> files, final SplittableRandom random)
        throws IOException
    {
        final List<Path> segments = files.stream().filter(f -> f.getFileName().toString().endsWith(".wal")).toList();
        final Path source = segments.get(random.nextInt(segments.size()));
        final long data = SegmentDescriptor.DATA_OFFSET;
        final long sourceSize = Files.size(source);
        final long size = Files.size(file);
        if (sourceSize <= data + 8 || size <= data + 8)
        {
            return damageFile(file, random);
        }
        final int length = (int)Math.min(Math.min(sourceSize, size) - data, 8 + random.nextInt(64) * 8);
        final long from = data + (random.nextLong(sourceSize - data - length + 1) & -8L);
        final long at = data + (random.nextLong(size - data - length + 1) & -8L);
        write(file, at, read(source, from, length));
        return new Damage(file, "copy " + length + " bytes from offset " + from + " of "
            + source.getParent().getFileName() + "/" + source.getFileName(), at, at + length);
    }

    private static Damage damageFile(final Path file, final SplittableRandom random) throws IOException
    {
        final long size = Files.size(file);
        final int kind = random.nextInt(100);
        if (kind < 5)
        {
            Files.delete(file);
            return new Damage(file, "delete", 0, Damage.END);
        }
        if (kind < 13)
        {
            final long length = size == 0 ? 0 : random.nextLong(size);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
            {
                channel.truncate(length);
            }
            return new Damage(file, "truncate to " + length, length, Damage.END);
        }
        if (kind < 18)
        {
            final byte[] garbage = new byte[1 + random.nextInt(random.nextBoolean() ? 16 : 8192)];
            random.nextBytes(garbage);
            write(file, size, garbage);
            return new Damage(file, "extend by " + garbage.length + " random bytes", size, Damage.END);
        }
        if (size == 0)
        {
            final byte[] garbage = new byte[1 + random.nextInt(64)];
            random.nextBytes(garbage);
            write(file, 0, garbage);
            return new Damage(file, "fill empty file with " + garbage.length + " random bytes", 0, Damage.END);
        }
        final long offset = offset(file, size, random);
        if (kind < 55)
        {
            final int bits = 1 + (random.nextBoolean() ? 0 : random.nextInt(8));
            final int span = (int)Math.min(size - offset, 1 + random.nextInt(64));
            final byte[] bytes = read(file, offset, span);
            final int[] flipped = new int[bits];
            for (int i = 0; i < bits; i++)
            {
                flipped[i] = random.nextInt(span * 8);
                bytes[flipped[i] / 8] ^= (byte)(1 << (flipped[i] % 8));
            }
            write(file, offset, bytes);
            return new Damage(file, "flip bits " + Arrays.toString(flipped) + " from " + offset, offset,
                offset + span);
        }
        final int length = (int)Math.min(size - offset, 1L << random.nextInt(random.nextBoolean() ? 6 : 14));
        final byte[] bytes = new byte[length];
        final String with;
        final int fill = random.nextInt(3);
        if (fill == 0)
        {
            random.nextBytes(bytes);
            with = "random bytes";
        }
        else
        {
            Arrays.fill(bytes, fill == 1 ? (byte)0xFF : 0);
            with = fill == 1 ? "0xFF" : "0x00";
        }
        write(file, offset, bytes);
        return new Damage(file, "overwrite " + length + " bytes with " + with, offset, offset + length);
    }

    /**
     * Where the damage starts: often in a segment's header fields or tail counter, or in its first frames, where
     * most of the structure is; otherwise anywhere in the file.
     */
    private static long offset(final Path file, final long size, final SplittableRandom random)
    {
        final boolean segment = file.getFileName().toString().endsWith(".wal");
        final int where = random.nextInt(4);
        if (segment && where == 0)
        {
            return Math.min(size - 1, random.nextInt(SegmentDescriptor.TAIL_OFFSET + 8));
        }
        if (segment && where == 1 && size > SegmentDescriptor.DATA_OFFSET)
        {
            return SegmentDescriptor.DATA_OFFSET
                + random.nextLong(Math.min(1024, size - SegmentDescriptor.DATA_OFFSET));
        }
        return random.nextLong(size);
    }

    static byte[] read(final Path file, final long offset, final int length) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final ByteBuffer buffer = ByteBuffer.allocate(length);
            while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) >= 0)
            {
                // read on until full or the end of the file
            }
            return buffer.array();
        }
    }

    private static void write(final Path file, final long offset, final byte[] bytes) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            final ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining())
            {
                channel.write(buffer, offset + buffer.position());
            }
        }
    }

    /**
     * The first shard whose newest segment file carries a valid rolled-into mark while the file it names is missing,
     * read from the disk as the damage left it (a mark damaged, or a header that does not validate, counts as none);
     * null if there is none.
     */
    static String lostSuccessor(final Path log)
    {
        for (int shard = 0; shard < WrittenLog.SHARDS; shard++)
        {
            final Path directory = ShardedWal.shardDirectory(log, shard);
            final long newest = files(log).stream().filter(file -> file.getParent().equals(directory))
                .mapToLong(file -> ShardSegments.parseBase(file.getFileName().toString())).max().orElse(-1);
            if (newest < 0)
            {
                continue;
            }
            final long next = newest + WrittenLog.SEGMENT_SIZE;
            try
            {
                if (MappedSegment.readRolledInto(directory.resolve(ShardSegments.fileName(newest))) == next
                    && !Files.exists(directory.resolve(ShardSegments.fileName(next))))
                {
                    return "shard " + shard + " lost " + ShardSegments.fileName(next);
                }
            }
            catch (final IOException | ShardwalException e)
            {
                // no valid header, no mark
            }
        }
        return null;
    }

    /** The contents of every file of {@code directory}, to show that a read-only reader changed none. */
    static List<String> fingerprint(final Path directory)
    {
        final List<String> prints = new ArrayList<>();
        for (final Path file : files(directory))
        {
            try
            {
                prints.add(directory.relativize(file) + " " + Arrays.hashCode(Files.readAllBytes(file)) + " "
                    + Files.size(file));
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException(e);
            }
        }
        return prints;
    }
}
