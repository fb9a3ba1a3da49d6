package io.shardwal.mmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Many writers append frames of random sizes — copying and zero-copy, some aborted — over a chain of segments
 * that roll when full, while one reader follows. Every committed frame must be read exactly once, intact, in
 * position order (so in program order per writer); no aborted or partial frame may ever be delivered.
 */
class ConcurrentAppendTest
{
    private static final int TOTAL_FRAMES = 1_000_000;
    private static final long SEGMENT_CAPACITY = 8L << 20;
    private static final int PREFIX = 12;

    @TempDir
    Path dir;

    private final List<MappedSegment> segments = new CopyOnWriteArrayList<>();
    private final AtomicReference<SegmentAppender> active = new AtomicReference<>();

    @ParameterizedTest(name = "{0} writers")
    @ValueSource(ints = {2, 4, 8})
    void shouldDeliverEveryCommittedFrameExactlyOnceInOrderWhileWritersRace(final int writers) throws Exception
    {
        roll(null);
        final int perWriter = TOTAL_FRAMES / writers;
        final BitSet[] committed = new BitSet[writers];
        final BitSet[] aborted = new BitSet[writers];
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicBoolean writing = new AtomicBoolean(true);
        final List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++)
        {
            committed[w] = new BitSet(perWriter);
            aborted[w] = new BitSet(perWriter);
            final int writer = w;
            threads.add(Thread.ofPlatform().name("writer-" + w).start(() ->
                guard(failure, () -> write(writer, perWriter, committed[writer], aborted[writer]))));
        }
        final Verifier verifier = new Verifier(writers);
        final Thread reader = Thread.ofPlatform().name("reader").start(() ->
            guard(failure, () -> read(verifier, writing)));
        for (final Thread thread : threads)
        {
            thread.join(TimeUnit.MINUTES.toMillis(3));
        }
        final long seenWhileWriting = verifier.delivered;
        writing.set(false);
        reader.join(TimeUnit.MINUTES.toMillis(3));
        if (failure.get() != null)
        {
            fail(failure.get());
        }
        for (int w = 0; w < writers; w++)
        {
            assertEquals(committed[w], verifier.seen[w], "writer " + w + ": every committed frame, exactly once");
            assertTrue(aborted[w].cardinality() > 0, "the test aborted some frames of writer " + w);
            assertTrue(!aborted[w].intersects(verifier.seen[w]), "no aborted frame is ever delivered");
        }
        assertTrue(seenWhileWriting > 0, "the reader followed the writers, not only drained after them");
        assertTrue(segments.size() > 3, "the run rolled over several segments: " + segments.size());
        segments.forEach(MappedSegment::close);
    }

    private void write(final int writer, final int frames, final BitSet committed, final BitSet aborted)
    {
        final SplittableRandom random = new SplittableRandom(writer * 7919L);
        final FrameClaim claim = new FrameClaim();
        for (int seq = 0; seq < frames; seq++)
        {
            final int keyLength = random.nextInt(17);
            final int valueLength = PREFIX + random.nextInt(300);
            final int mode = random.nextInt(100);
            while (true)
            {
                final SegmentAppender appender = active.get();
                final long position;
                if (mode < 50)
                {
                    position = appender.append(key(writer, keyLength), value(writer, seq, valueLength), claim);
                }
                else
                {
                    position = appender.tryClaim(keyLength, valueLength, claim);
                    if (position >= 0)
                    {
                        claim.putKey(key(writer, keyLength));
                        fill(claim.buffer(), claim.valueOffset(), writer, seq, valueLength);
                        if (mode < 99)
                        {
                            claim.commit();
                        }
                        else
                        {
                            claim.abort();
                        }
                    }
                }
                if (position >= 0)
                {
                    (mode == 99 ? aborted : committed).set(seq);
                    break;
                }
                roll(appender);
            }
        }
    }

    private synchronized void roll(final SegmentAppender full)
    {
        if (active.get() != full)
        {
            return;
        }
        final long base = full == null ? 0 : full.segment().endPosition();
        try
        {
            final MappedSegment next = MappedSegment.create(dir.resolve(base + ".wal"), base, SEGMENT_CAPACITY, 0);
            segments.add(next);
            active.set(new SegmentAppender(next));
        }
        catch (final IOException e)
        {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void read(final Verifier verifier, final AtomicBoolean writing)
    {
        int index = 0;
        FrameReader reader = new FrameReader(segments.getFirst(), 0, true);
        int idle = 0;
        while (true)
        {
            final int delivered = reader.poll(verifier, 256);
            if (delivered > 0)
            {
                idle = 0;
                continue;
            }
            if (reader.isEndOfSegment() && segments.size() > index + 1)
            {
                reader = new FrameReader(segments.get(++index), 0, true);
                continue;
            }
            if (!writing.get() && ++idle > 3)
            {
                return;
            }
            Thread.onSpinWait();
            if (!writing.get())
            {
                Thread.yield();
            }
        }
    }

    private static byte[] key(final int writer, final int length)
    {
        final byte[] key = new byte[length];
        for (int i = 0; i < length; i++)
        {
            key[i] = (byte)(writer + i);
        }
        return key;
    }

    private static byte[] value(final int writer, final int seq, final int length)
    {
        final byte[] value = new byte[length];
        fill(MemorySegment.ofArray(value), 0, writer, seq, length);
        return value;
    }

    private static void fill(final MemorySegment target, final long offset, final int writer, final int seq,
        final int length)
    {
        target.set(ValueLayout.JAVA_INT_UNALIGNED, offset, writer);
        target.set(ValueLayout.JAVA_INT_UNALIGNED, offset + 4, seq);
        target.set(ValueLayout.JAVA_INT_UNALIGNED, offset + 8, length);
        for (int i = PREFIX; i < length; i++)
        {
            target.set(ValueLayout.JAVA_BYTE, offset + i, (byte)(seq * 31 + i * 7 + writer));
        }
    }

    private static void guard(final AtomicReference<Throwable> failure, final Runnable body)
    {
        try
        {
            body.run();
        }
        catch (final Throwable t)
        {
            failure.compareAndSet(null, t);
        }
    }

    /** Checks each delivered frame's content and order. */
    private static final class Verifier implements FrameHandler
    {
        final BitSet[] seen;
        volatile long delivered;
        private final int[] lastSeq;
        private long lastPosition = -1;

        Verifier(final int writers)
        {
            seen = new BitSet[writers];
            lastSeq = new int[writers];
            for (int w = 0; w < writers; w++)
            {
                seen[w] = new BitSet();
                lastSeq[w] = -1;
            }
        }

        @Override
        public void onFrame(final FrameView frame)
        {
            final MemorySegment buffer = frame.buffer();
            final long at = frame.valueOffset();
            final int writer = buffer.get(ValueLayout.JAVA_INT_UNALIGNED, at);
            final int seq = buffer.get(ValueLayout.JAVA_INT_UNALIGNED, at + 4);
            final int length = buffer.get(ValueLayout.JAVA_INT_UNALIGNED, at + 8);
            if (frame.position() <= lastPosition)
            {
                throw new AssertionError("position " + frame.position() + " after " + lastPosition);
            }
            lastPosition = frame.position();
            if (writer < 0 || writer >= seen.length || length != frame.valueLength())
            {
                throw new AssertionError("garbled frame at " + frame.position() + ": writer " + writer + ", length "
                    + length + " vs " + frame.valueLength());
            }
            if (seq <= lastSeq[writer] || seen[writer].get(seq))
            {
                throw new AssertionError("writer " + writer + " seq " + seq + " out of order or twice (last "
                    + lastSeq[writer] + ")");
            }
            lastSeq[writer] = seq;
            for (int i = PREFIX; i < length; i++)
            {
                if (buffer.get(ValueLayout.JAVA_BYTE, at + i) != (byte)(seq * 31 + i * 7 + writer))
                {
                    throw new AssertionError("partial or damaged frame at " + frame.position() + " byte " + i);
                }
            }
            for (int i = 0; i < frame.keyLength(); i++)
            {
                if (buffer.get(ValueLayout.JAVA_BYTE, frame.keyOffset() + i) != (byte)(writer + i))
                {
                    throw new AssertionError("damaged key at " + frame.position());
                }
            }
            seen[writer].set(seq);
            delivered++;
        }
    }
}
