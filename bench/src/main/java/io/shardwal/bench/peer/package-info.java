/**
 * The peers shardwal is measured against, in the same JMH run: Chronicle Queue. Their JVM flags stay in their own
 * forks ({@link io.shardwal.bench.BenchJvm}).
 */
package io.shardwal.bench.peer;
