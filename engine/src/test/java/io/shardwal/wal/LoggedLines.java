package io.shardwal.wal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** The lines the library logs to {@code io.shardwal} (through the JDK's logging) while an action runs. */
final class LoggedLines
{
    @FunctionalInterface
    interface IoAction
    {
        void run() throws IOException;
    }

    private LoggedLines()
    {
    }

    /** What {@code action} logged to {@code io.shardwal} at INFO and above, in order. */
    static List<String> during(final IoAction action) throws IOException
    {
        final Logger logger = Logger.getLogger("io.shardwal");
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        final Handler handler = new Handler()
        {
            @Override
            public void publish(final LogRecord record)
            {
                lines.add(record.getMessage());
            }

            @Override
            public void flush()
            {
            }

            @Override
            public void close()
            {
            }
        };
        logger.addHandler(handler);
        try
        {
            action.run();
        }
        finally
        {
            logger.removeHandler(handler);
        }
        return List.copyOf(lines);
    }
}
