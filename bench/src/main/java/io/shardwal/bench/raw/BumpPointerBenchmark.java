package io.shardwal.bench.raw;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.shardwal.bench.BenchFiles;
import io.shardwal.bench.BenchJvm;
import io.shardwal.bench.LatencyRecorder;
import io.shardwal.bench.PageFaults;
import io.shardwal.bench.Workload;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The raw limit of appending to a memory-mapped file: one writer per thread, each with its own file, writing
 * {@code [int32 length][payload]} records 8-byte aligned with plain stores and a bump pointer. No atomics, no
 * checksum, no header, no capacity check beyond the one every {@link MemorySegment} access makes.
 *
 * <p><b>Pages.</b>
 * <ul>
 *   <li>{@code warm}: each thread maps its own file of at least {@link Workload#WARM_REGION_BYTES} once per trial
 *       and writes every page of it before the first shot, so its pages are resident, mapped and dirty. Shots
 *       advance through the file; when the next shot would not fit, the whole file is written again (untimed) and
 *       the pointer starts over. So a shot takes no page fault, and it writes lines that are not in the cache.</li>
 *   <li>{@code cold}: each shot writes into a new sparse file, created and mapped before the shot and unmapped and
 *       deleted after it, so every page the shot touches takes a first-write page fault (page allocation, zeroing
 *       and the file system's block reservation). Nothing is pre-faulted, and a shot never reuses a page.</li>
 * </ul>
 * The {@code pageFaults} result ({@link PageFaults}) shows it: about 0 per warm shot, one per 4 KiB page
 * written per cold shot.
 *
 * <p><b>Measurement.</b> Single-shot iterations: each thread appends exactly {@code batchSize} records per shot
 * ({@link Workload#RECORDS_PER_SHOT}); the work between shots is never timed. Records per second = threads ×
 * batch size / shot time.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.NATIVE_ACCESS})
@Warmup(iterations = 5, batchSize = Workload.RECORDS_PER_SHOT)
@Measurement(iterations = 20, batchSize = Workload.RECORDS_PER_SHOT)
@State(Scope.Benchmark)
public class BumpPointerBenchmark
{
    private static final ValueLayout.OfInt LENGTH = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int LENGTH_BYTES = 4;
    private static final int ALIGNMENT = 8;
    private static final long PAGE = 4096;

    @Param({"64", "1024"})
    public int payload;

    @Param({"warm", "cold"})
    public String pages;

    /** One writer's file and bump pointer. */
    @State(Scope.Thread)
    public static class Region
    {
        private byte[] value;
        private long recordLength;
        private long shotBytes;
        private long capacity;
        private boolean cold;
        private Path directory;
        private Path file;
        private Arena arena;
        private MemorySegment memory;
        private long position;

        @Setup(Level.Trial)
        public void open(final BumpPointerBenchmark benchmark, final BenchmarkParams params)
        {
            if (!"warm".equals(benchmark.pages) && !"cold".equals(benchmark.pages))
            {
                throw new IllegalArgumentException("pages must be warm or cold, not " + benchmark.pages);
            }
            value = Workload.payload(benchmark.payload);
            recordLength = Workload.alignUp(LENGTH_BYTES + value.length, ALIGNMENT);
            final long records = Math.max(params.getWarmup().getBatchSize(), params.getMeasurement().getBatchSize());
            shotBytes = Workload.alignUp(records * recordLength, PAGE);
            cold = "cold".equals(benchmark.pages);
            capacity = cold ? shotBytes : Math.max(shotBytes, Workload.WARM_REGION_BYTES);
            directory = BenchFiles.newDirectory("bump-pointer-");
            if (!cold)
            {
                map();
                rewind();
            }
        }

        @Setup(Level.Iteration)
        public void beginShot()
        {
            if (cold)
            {
                map();
                position = 0;
            }
            else if (capacity - position < shotBytes)
            {
                rewind();
            }
        }

        @TearDown(Level.Iteration)
        public void endShot()
        {
            if (cold)
            {
                unmapAndDelete();
            }
        }

        @TearDown(Level.Trial)
        public void close()
        {
            unmapAndDelete();
            BenchFiles.deleteRecursively(directory);
        }

        /** Warm only: writes every page (faulting in any the kernel has cleaned or dropped), then starts over. */
        private void rewind()
        {
            memory.fill((byte)0);
            position = 0;
        }

        /** Appends one record; returns its offset. */
        long append()
        {
            final long at = position;
            memory.set(LENGTH, at, value.length);
            MemorySegment.copy(value, 0, memory, ValueLayout.JAVA_BYTE, at + LENGTH_BYTES, value.length);
            position = at + recordLength;
            return at;
        }

        private void map()
        {
            file = directory.resolve("region-" + System.nanoTime());
            final Arena mapping = Arena.ofShared();
            try
            {
                memory = BenchFiles.mapNewSparse(file, capacity, mapping);
                arena = mapping;
            }
            catch (final UncheckedIOException e)
            {
                mapping.close();
                throw e;
            }
        }

        private void unmapAndDelete()
        {
            if (arena != null)
            {
                arena.close();
                arena = null;
                memory = null;
            }
            if (file != null)
            {
                try
                {
                    // Deleted right after the shot, its dirty pages are dropped, normally before write-back starts.
                    Files.deleteIfExists(file);
                }
                catch (final IOException e)
                {
                    throw new UncheckedIOException("cannot delete " + file, e);
                }
                file = null;
            }
        }
    }

    @Benchmark
    @Threads(1)
    public long oneWriter(final PageFaults faults, final Region region)
    {
        return region.append();
    }

    @Benchmark
    @Threads(2)
    public long twoWriters(final PageFaults faults, final Region region)
    {
        return region.append();
    }

    @Benchmark
    @Threads(1)
    public long oneWriterLatency(final PageFaults faults, final Region region, final LatencyRecorder latency)
    {
        final long start = System.nanoTime();
        final long offset = region.append();
        latency.record(System.nanoTime() - start);
        return offset;
    }

    @Benchmark
    @Threads(2)
    public long twoWritersLatency(final PageFaults faults, final Region region, final LatencyRecorder latency)
    {
        final long start = System.nanoTime();
        final long offset = region.append();
        latency.record(System.nanoTime() - start);
        return offset;
    }
}
