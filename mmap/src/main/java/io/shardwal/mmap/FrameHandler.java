package io.shardwal.mmap;

/** Receives committed DATA frames from a {@link FrameReader}, zero-copy. */
@FunctionalInterface
public interface FrameHandler
{
    /**
     * One committed, checksum-verified frame. {@code frame} is a flyweight reused for the next frame: copy what
     * must outlive the call. If this method throws, the reader does not advance past the frame.
     */
    void onFrame(FrameView frame);
}
