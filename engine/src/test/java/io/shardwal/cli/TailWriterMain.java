package io.shardwal.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import io.shardwal.wal.ShardedWal;

/**
 * A writer in another process, for {@link TailCommandTest}: creates a log, says {@code OPEN}, waits for {@code GO},
 * appends the records of {@link #key}/{@link #value} in small bursts, says {@code DONE}, and holds the log open
 * until its standard input closes.
 *
 * <p>Usage: {@code TailWriterMain DIR RECORDS}.
 */
public final class TailWriterMain
{
    private TailWriterMain()
    {
    }

    static byte[] key(final int i)
    {
        return ("sensor-" + (i % 17) + (i % 5 == 0 ? " \"quoted\"" : "")).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] value(final int i)
    {
        final byte[] value = new byte[40 + i % 90];
        for (int b = 0; b < value.length; b++)
        {
            value[b] = (byte)(i + b * 3);
        }
        return value;
    }

    public static void main(final String[] args) throws Exception
    {
        final Path directory = Path.of(args[0]);
        final int records = Integer.parseInt(args[1]);
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (ShardedWal wal = ShardedWal.open(TestLogs.options(directory)))
        {
            System.out.println("OPEN");
            System.out.flush();
            if (!"GO".equals(in.readLine()))
            {
                return;
            }
            for (int i = 0; i < records; i++)
            {
                wal.append(key(i), value(i));
                if (i % 25 == 24)
                {
                    Thread.sleep(5);
                }
            }
            System.out.println("DONE");
            System.out.flush();
            while (in.readLine() != null)
            {
                // hold the log open until the parent closes our input
            }
        }
    }
}
