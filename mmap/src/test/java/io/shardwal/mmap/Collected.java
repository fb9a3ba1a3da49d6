package io.shardwal.mmap;

import java.util.ArrayList;
import java.util.List;

/** A handler that copies every frame it receives, for assertions. */
final class Collected implements FrameHandler
{
    record Frame(long position, byte[] key, byte[] value)
    {
    }

    final List<Frame> frames = new ArrayList<>();

    @Override
    public void onFrame(final FrameView frame)
    {
        frames.add(new Frame(frame.position(), frame.keyBytes(), frame.valueBytes()));
    }

    static List<Frame> readAll(final MappedSegment segment)
    {
        final Collected collected = new Collected();
        final FrameReader reader = new FrameReader(segment, 0, true);
        while (reader.poll(collected, 100) > 0)
        {
            // keep polling until nothing more is committed
        }
        return collected.frames;
    }
}
