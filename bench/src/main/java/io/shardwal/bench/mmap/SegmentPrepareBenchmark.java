package io.shardwal.bench.mmap;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.shardwal.bench.BenchFiles;
import io.shardwal.bench.BenchJvm;
import io.shardwal.mmap.MappedSegment;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * What getting a new segment's pages ready for a writer costs, per 4 KiB page, against what a writer pays to fault
 * the same pages in itself. One shot prepares one segment file of {@code segmentMiB}; closing and deleting it is
 * untimed. The {@code records} counter is the shot's pages, so the table's ns/record is ns per page.
 * <ul>
 *   <li>{@code filled}: what the log's preparer does, {@link MappedSegment#createFilled} (preallocated, header forced,
 *       the page cache filled with zeros) and {@link MappedSegment#pretouch};</li>
 *   <li>{@code plain}: {@link MappedSegment#create} and {@link MappedSegment#pretouch}: the pretouch faults the
 *       pages into the preallocated blocks one by one, as the preparer did before bench/RESULTS.md run AR;</li>
 *   <li>{@code rawFaultIn}: a sparse file of the same size, mapped, one store per page: the page faults a writer
 *       with nothing prepared (the raw cold bump pointer) takes inside its appends.</li>
 * </ul>
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.NATIVE_ACCESS})
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@State(Scope.Thread)
public class SegmentPrepareBenchmark
{
    private static final int PAGE = 4096;

    @Param({"8"})
    public int segmentMiB;

    private Path directory;
    private Path file;
    private int shot;
    private MappedSegment segment;
    private Arena arena;

    /** The pages of one shot. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Counters
    {
        public long records;

        @TearDown(Level.Iteration)
        public void count(final SegmentPrepareBenchmark benchmark)
        {
            records = ((long)benchmark.segmentMiB << 20) / PAGE;
        }
    }

    @Setup(Level.Trial)
    public void open()
    {
        directory = BenchFiles.newDirectory("prepare-");
    }

    @Setup(Level.Iteration)
    public void nextFile()
    {
        file = directory.resolve("segment-" + shot++ + ".wal");
    }

    @TearDown(Level.Iteration)
    public void dropFile() throws IOException
    {
        if (segment != null)
        {
            segment.close();
            segment = null;
        }
        if (arena != null)
        {
            arena.close();
            arena = null;
        }
        Files.deleteIfExists(file);
    }

    @TearDown(Level.Trial)
    public void close()
    {
        BenchFiles.deleteRecursively(directory);
    }

    @Benchmark
    @Threads(1)
    public MappedSegment filled(final Counters counters) throws IOException
    {
        return prepare(true);
    }

    @Benchmark
    @Threads(1)
    public MappedSegment plain(final Counters counters) throws IOException
    {
        return prepare(false);
    }

    private MappedSegment prepare(final boolean filled) throws IOException
    {
        final long capacity = (long)segmentMiB << 20;
        segment = filled ? MappedSegment.createFilled(file, 0, capacity, 0)
            : MappedSegment.create(file, 0, capacity, 0);
        segment.pretouch(0, capacity);
        return segment;
    }

    @Benchmark
    @Threads(1)
    public long rawFaultIn(final Counters counters)
    {
        final long size = (long)segmentMiB << 20;
        arena = Arena.ofShared();
        final MemorySegment mapped = BenchFiles.mapNewSparse(file, size, arena);
        for (long page = 0; page < size; page += PAGE)
        {
            mapped.set(ValueLayout.JAVA_BYTE, page, (byte)1);
        }
        return mapped.get(ValueLayout.JAVA_BYTE, size - PAGE);
    }
}
