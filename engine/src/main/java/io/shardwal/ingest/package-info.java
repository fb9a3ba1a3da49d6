/**
 * The telemetry ingest front end: {@link io.shardwal.ingest.PrometheusTextParser} reads the Prometheus text
 * exposition format into {@link io.shardwal.ingest.Sample}s; {@link io.shardwal.ingest.Ingest} batches samples from
 * many threads into a {@link io.shardwal.wal.ShardedWal} and their series into a series index, and
 * {@link io.shardwal.ingest.IngestReplay} rebuilds both from the log.
 */
package io.shardwal.ingest;
