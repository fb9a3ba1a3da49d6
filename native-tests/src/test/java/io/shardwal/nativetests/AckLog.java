package io.shardwal.nativetests;

import java.util.Arrays;

import io.shardwal.wal.RecordAddress;

/**
 * What child processes acknowledged: for each writer and sequence, the {@link RecordAddress} its append returned.
 * A child prints one line per acknowledged record, {@code A <writer> <seq> <address>}, only after the append
 * returned; the parent feeds every complete line here.
 *
 * <p><b>Threads.</b> Written by one line-reading thread per child, read by the test thread; all methods are
 * synchronized.
 */
final class AckLog
{
    static final String PREFIX = "A ";
    private static final long NOT_ACKED = -1;

    private long[][] addresses = new long[16][];
    private int writers;
    private long total;

    /** The ack line for one record (the format {@link #accept} parses). */
    static String line(final long writer, final long seq, final long address)
    {
        return PREFIX + writer + ' ' + seq + ' ' + address + '\n';
    }

    /** Parses an ack line and records it; returns false if the line is not an ack. */
    synchronized boolean accept(final String line)
    {
        if (!line.startsWith(PREFIX))
        {
            return false;
        }
        final String[] fields = line.split(" ");
        if (fields.length != 4)
        {
            throw new IllegalStateException("malformed ack line from a child: '" + line + "'");
        }
        record(Integer.parseInt(fields[1]), Long.parseLong(fields[2]), Long.parseLong(fields[3]));
        return true;
    }

    synchronized void record(final int writer, final long seq, final long address)
    {
        if (writer >= addresses.length)
        {
            addresses = Arrays.copyOf(addresses, Math.max(writer + 1, addresses.length * 2));
        }
        writers = Math.max(writers, writer + 1);
        long[] perSeq = addresses[writer];
        if (perSeq == null || seq >= perSeq.length)
        {
            final int length = (int)Math.max(seq + 1, perSeq == null ? 256 : perSeq.length * 2L);
            final long[] grown = new long[length];
            Arrays.fill(grown, NOT_ACKED);
            if (perSeq != null)
            {
                System.arraycopy(perSeq, 0, grown, 0, perSeq.length);
            }
            perSeq = grown;
            addresses[writer] = perSeq;
        }
        if (perSeq[(int)seq] != NOT_ACKED)
        {
            throw new IllegalStateException("writer " + writer + " acknowledged sequence " + seq + " twice");
        }
        perSeq[(int)seq] = address;
        total++;
    }

    /** Writers that acknowledged anything have ids below this. */
    synchronized int writers()
    {
        return writers;
    }

    synchronized long total()
    {
        return total;
    }

    /** One past the highest acknowledged sequence of {@code writer} (0 if none). */
    synchronized long seqLimit(final int writer)
    {
        if (writer >= writers || addresses[writer] == null)
        {
            return 0;
        }
        final long[] perSeq = addresses[writer];
        for (int seq = perSeq.length - 1; seq >= 0; seq--)
        {
            if (perSeq[seq] != NOT_ACKED)
            {
                return seq + 1;
            }
        }
        return 0;
    }

    synchronized boolean isAcked(final int writer, final long seq)
    {
        return address(writer, seq) != NOT_ACKED;
    }

    /** The acknowledged address of {@code writer}'s {@code seq}, or -1. */
    synchronized long address(final int writer, final long seq)
    {
        if (writer < 0 || writer >= writers || addresses[writer] == null || seq < 0 || seq >= addresses[writer].length)
        {
            return NOT_ACKED;
        }
        return addresses[writer][(int)seq];
    }

    /** Acknowledged positions in {@code shard}, sorted. */
    synchronized long[] positionsIn(final int shard)
    {
        long[] positions = new long[1024];
        int count = 0;
        for (int writer = 0; writer < writers; writer++)
        {
            if (addresses[writer] == null)
            {
                continue;
            }
            for (final long address : addresses[writer])
            {
                if (address != NOT_ACKED && RecordAddress.shard(address) == shard)
                {
                    if (count == positions.length)
                    {
                        positions = Arrays.copyOf(positions, count * 2);
                    }
                    positions[count++] = RecordAddress.position(address);
                }
            }
        }
        final long[] sorted = Arrays.copyOf(positions, count);
        Arrays.sort(sorted);
        return sorted;
    }
}
