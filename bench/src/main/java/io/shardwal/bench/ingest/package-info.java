/** Benchmarks of the ingest front end against one append per sample. */
package io.shardwal.bench.ingest;
