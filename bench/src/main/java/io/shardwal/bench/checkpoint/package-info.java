/**
 * Checkpoint benchmarks (issue 4): creating and loading checkpoints at 4, 16 and 64 shards, and the time to open
 * (recover) a large log with and without a recent checkpoint.
 */
package io.shardwal.bench.checkpoint;
