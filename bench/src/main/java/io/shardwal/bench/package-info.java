/**
 * JMH benchmarks of shardwal, its raw limit and its peer, and the runner that turns one JMH run into a JSON file
 * and a Markdown table of same-run ratios.
 *
 * <p>Subpackages are named by what they measure: {@code raw} (the hardware limit: a bump pointer into a mapped
 * file), {@code peer} (Chronicle Queue), {@code mmap} (shardwal's segment appender). Later layers add their own
 * subpackage ({@code wal}, {@code index}, ...); {@link io.shardwal.bench.RunBenchmarks} finds every
 * {@code *Benchmark} class in the jar, so a new class needs no registration. Its rows get ratios against the
 * baselines in {@link io.shardwal.bench.Baselines} when they share the {@code payload} parameter and thread count.
 *
 * <p>Conventions every benchmark class here follows:
 * <ul>
 *   <li>explicit {@code @Fork}, {@code @Warmup} and {@code @Measurement} (they are the "full" profile); JVM flags go
 *       in {@code @Fork(jvmArgsAppend = ...)} only, from the constants in {@link io.shardwal.bench.BenchJvm}: the
 *       runner owns {@code jvmArgs} and {@code jvmArgsPrepend};</li>
 *   <li>a {@code payload} parameter in bytes when the benchmark writes records, so MB/s and ratios can be
 *       computed;</li>
 *   <li>latency benchmarks time each operation themselves into a {@link io.shardwal.bench.LatencyRecorder}, whose
 *       HdrHistograms the runner merges; their JMH score is not a throughput and is not reported as one.</li>
 * </ul>
 */
package io.shardwal.bench;
