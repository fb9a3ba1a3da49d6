/**
 * The raw limit: what writing records into a memory-mapped file costs with nothing but a bump pointer, so that
 * every other figure can be read as a fraction of it.
 */
package io.shardwal.bench.raw;
