package io.shardwal.nativetests;

/** The seed of a randomised test: {@code -Dshardwal.seed=...} to replay a failure, otherwise a new one per run. */
final class Seeds
{
    private Seeds()
    {
    }

    static long seed()
    {
        final String given = System.getProperty("shardwal.seed");
        return given != null && !given.isBlank() ? Long.parseLong(given.strip()) : System.nanoTime();
    }
}
