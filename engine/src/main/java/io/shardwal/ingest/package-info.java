/**
 * The telemetry ingest front end: {@link io.shardwal.ingest.PrometheusTextParser} reads the Prometheus text
 * exposition format into {@link io.shardwal.ingest.Sample}s whose {@link io.shardwal.ingest.Sample#seriesLabels()}
 * go into the series index.
 */
package io.shardwal.ingest;
