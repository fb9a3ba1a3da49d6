package io.shardwal.bench.mmap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import io.shardwal.bench.BenchFiles;
import io.shardwal.bench.BenchJvm;
import io.shardwal.bench.Workload;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.mmap.SegmentDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The parts of one {@link io.shardwal.mmap.SegmentAppender} append that the raw bump pointer does not have,
 * measured alone with the same shots, so that the gap between the two can be read as a sum:
 * <ul>
 *   <li>{@code crc32c}: the frame checksum, {@link CRC32C} over the value bytes (what the appender computes per
 *       append, before its seal);</li>
 *   <li>{@code claimOneWriter} / {@code claimTwoWriters}: the claim, {@code getAndAdd} on a tail counter in a
 *       mapped page, as the appender does it — alone, and with two threads contending for the counter's cache
 *       line (the shared-segment case).</li>
 * </ul>
 * The copy of the value into mapped memory is what {@link io.shardwal.bench.raw.BumpPointerBenchmark} measures.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.NATIVE_ACCESS})
@Warmup(iterations = 5, batchSize = Workload.RECORDS_PER_SHOT)
@Measurement(iterations = 20, batchSize = Workload.RECORDS_PER_SHOT)
public class AppendPartsBenchmark
{
    private static final VarHandle TAIL = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    /**
     * A value and a checksum, per thread. The size is called {@code bytes}, not {@code payload}: these rows are
     * parts of an append, not records, and get no ratios against the record-writing baselines.
     */
    @State(Scope.Thread)
    public static class Checksum
    {
        @Param({"64", "1024"})
        public int bytes;

        private final CRC32C crc = new CRC32C();
        private byte[] value;

        @Setup(Level.Trial)
        public void open()
        {
            value = Workload.payload(bytes);
        }
    }

    /** A tail counter where a segment has it: in the mapped header page of a file. */
    @State(Scope.Benchmark)
    public static class Tail
    {
        private final long frameLength = FrameDescriptor.align(FrameDescriptor.HEADER_LENGTH + 64);
        private Path directory;
        private Arena arena;
        private MemorySegment header;

        @Setup(Level.Trial)
        public void open()
        {
            directory = BenchFiles.newDirectory("tail-");
            final Path file = directory.resolve("header");
            arena = Arena.ofShared();
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE))
            {
                header = channel.map(FileChannel.MapMode.READ_WRITE, 0, SegmentDescriptor.DATA_OFFSET, arena);
                header.fill((byte)0);
            }
            catch (final IOException e)
            {
                arena.close();
                throw new UncheckedIOException("cannot map " + file, e);
            }
        }

        @TearDown(Level.Trial)
        public void close()
        {
            arena.close();
            BenchFiles.deleteRecursively(directory);
        }
    }

    @Benchmark
    @Threads(1)
    public long crc32c(final Checksum checksum)
    {
        final CRC32C crc = checksum.crc;
        crc.reset();
        crc.update(checksum.value, 0, checksum.value.length);
        return crc.getValue();
    }

    @Benchmark
    @Threads(1)
    public long claimOneWriter(final Tail tail)
    {
        // Atomic read-modify-write, as SegmentAppender's claim.
        return (long)TAIL.getAndAdd(tail.header, (long)SegmentDescriptor.TAIL_OFFSET, tail.frameLength);
    }

    @Benchmark
    @Threads(2)
    public long claimTwoWriters(final Tail tail)
    {
        // Atomic read-modify-write, as SegmentAppender's claim; both threads on one cache line.
        return (long)TAIL.getAndAdd(tail.header, (long)SegmentDescriptor.TAIL_OFFSET, tail.frameLength);
    }
}
