package io.shardwal.mmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The released segment format, read back and written byte for byte. */
class GoldenSegmentTest
{
    @TempDir
    Path dir;

    private byte[] golden() throws IOException
    {
        try (InputStream in = GoldenSegmentTest.class.getResourceAsStream(GoldenSegment.RESOURCE))
        {
            return in.readAllBytes();
        }
    }

    @Test
    void shouldWriteTheGoldenSegmentByteForByte() throws IOException
    {
        final Path written = dir.resolve("written.wal");
        GoldenSegment.write(written);
        assertArrayEquals(golden(), Files.readAllBytes(written),
            "the segment format changed: if on purpose, bump the version and add a new golden file");
    }

    @Test
    void shouldReadTheGoldenSegmentBack() throws IOException
    {
        final Path copy = dir.resolve("golden.wal");
        Files.write(copy, golden());
        try (MappedSegment segment = MappedSegment.openReadOnly(copy))
        {
            assertEquals(GoldenSegment.BASE_POSITION, segment.basePosition());
            assertEquals(GoldenSegment.CAPACITY, segment.capacity());
            assertEquals(GoldenSegment.OWNER, segment.ownerId());
            assertEquals(0, segment.rolledIntoAcquire(), "a version-1 file from before the rolled-into mark has none");
            final List<Collected.Frame> frames = Collected.readAll(segment);
            assertEquals(GoldenSegment.RECORDS.size(), frames.size());
            for (int i = 0; i < frames.size(); i++)
            {
                assertEquals(GoldenSegment.RECORDS.get(i)[0], new String(frames.get(i).key(), StandardCharsets.UTF_8));
                assertEquals(GoldenSegment.RECORDS.get(i)[1],
                    new String(frames.get(i).value(), StandardCharsets.UTF_8));
            }
            assertEquals(GoldenSegment.BASE_POSITION, frames.getFirst().position());
            final SegmentScanner.Result scan = SegmentScanner.scan(segment, 0, true, false, SegmentScanner.Mode.VERIFY);
            assertEquals(List.of(), scan.findings());
            assertEquals(GoldenSegment.RECORDS.size(), scan.records());
        }
    }
}
