package io.shardwal.ingest;

/**
 * The metadata of one metric family.
 *
 * @param name the family name (for a histogram or summary, without the {@code _bucket}/{@code _sum}/{@code _count}
 *             suffixes of its samples).
 * @param type from its {@code # TYPE} line, {@link MetricType#UNTYPED} without one.
 * @param help from its {@code # HELP} line, unescaped; "" without one.
 */
public record MetricFamily(String name, MetricType type, String help)
{
}
