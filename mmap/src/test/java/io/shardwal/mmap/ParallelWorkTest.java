package io.shardwal.mmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

/** Every part once, on at most the threads asked for, all ended before the call returns, failures in part order. */
class ParallelWorkTest
{
    @Test
    void shouldRunEveryPartOnceOnAtMostTheThreadsAskedFor() throws IOException
    {
        final AtomicIntegerArray runs = new AtomicIntegerArray(100);
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        final CountDownLatch allThreads = new CountDownLatch(3);
        ParallelWork.run(100, 3, "work", i ->
        {
            runs.incrementAndGet(i);
            if (threads.add(Thread.currentThread().getName()))
            {
                allThreads.countDown();
            }
            await(allThreads); // no thread runs a second part before each of the three has taken one
        });
        final int[] once = new int[100];
        java.util.Arrays.fill(once, 1);
        final int[] counted = new int[100];
        for (int i = 0; i < 100; i++)
        {
            counted[i] = runs.get(i);
        }
        assertArrayEquals(once, counted);
        assertEquals(Set.of(Thread.currentThread().getName(), "work-1", "work-2"), threads);
        ParallelWork.run(0, 4, "work", i -> { throw new AssertionError("no parts, no calls"); });
    }

    @Test
    void shouldThrowTheLowestFailureWithTheOthersSuppressedOnceEveryPartEnded()
    {
        final CountDownLatch slowEnded = new CountDownLatch(1);
        final IOException low = new IOException("part 1");
        final IllegalStateException high = new IllegalStateException("part 3");
        final IOException thrown = assertThrows(IOException.class, () -> ParallelWork.run(4, 2, "work", i ->
        {
            switch (i)
            {
                case 0 ->
                {
                    sleep(200);
                    slowEnded.countDown();
                }
                case 1 -> throw low;
                case 3 -> throw high;
                default -> { }
            }
        }));
        assertSame(low, thrown);
        assertEquals(1, thrown.getSuppressed().length);
        assertSame(high, thrown.getSuppressed()[0]);
        assertEquals(0, slowEnded.getCount(), "the slow part had ended before the failure was thrown");
    }

    @Test
    void shouldWaitThroughAnInterruptAndRestoreIt() throws Exception
    {
        final CountDownLatch running = new CountDownLatch(2);
        final CountDownLatch release = new CountDownLatch(1);
        final Thread caller = Thread.currentThread();
        final Thread interrupter = Thread.ofPlatform().start(() ->
        {
            try
            {
                running.await();
                caller.interrupt();
                sleep(100);
                release.countDown();
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        });
        ParallelWork.run(2, 2, "work", i ->
        {
            running.countDown();
            try
            {
                if (!release.await(10, TimeUnit.SECONDS))
                {
                    throw new IllegalStateException("never released");
                }
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt(); // the caller's own part: keep the interrupt for after
                while (release.getCount() > 0)
                {
                    Thread.onSpinWait();
                }
            }
        });
        assertTrue(Thread.interrupted(), "the interrupt is the caller's again");
        interrupter.join();
        assertEquals(0, release.getCount());
    }

    @Test
    void shouldRefuseANegativeCountAndNoThreads()
    {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ParallelWork.run(-1, 1, "work", i -> { }))
            .getMessage().contains("not -1 and 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ParallelWork.run(1, 0, "work", i -> { }))
            .getMessage().contains("not 1 and 0"));
        assertFalse(Thread.interrupted());
    }

    private static void await(final CountDownLatch latch)
    {
        try
        {
            assertTrue(latch.await(10, TimeUnit.SECONDS), "not every thread took a part");
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }
}
