package io.shardwal.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the CLI in-process with captured output, as a shell would see it (not a terminal). */
final class Cli
{
    private Cli()
    {
    }

    /** What one command printed and returned. */
    record Run(int exit, String out, String err)
    {
        @Override
        public String toString()
        {
            return "exit " + exit + "\n--- out ---\n" + out + "--- err ---\n" + err;
        }
    }

    static Run run(final Object... args)
    {
        final String[] text = new String[args.length];
        for (int i = 0; i < args.length; i++)
        {
            text[i] = String.valueOf(args[i]);
        }
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exit = ShardwalCli.execute(new PrintWriter(out), new PrintWriter(err), false, text);
        return new Run(exit, out.toString(), err.toString());
    }
}
