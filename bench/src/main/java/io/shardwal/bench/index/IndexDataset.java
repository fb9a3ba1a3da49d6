package io.shardwal.bench.index;

import java.util.List;

import io.shardwal.index.Labels;
import io.shardwal.index.Matcher;

/**
 * A synthetic TSBS-like telemetry data set: {@code hosts × metrics} series, each with 10 labels: the metric name, a
 * constant job, the host name and seven host tags (region, datacenter, rack, os, team, service, environment) that
 * follow from the host. Series are produced host by host, as hosts come online. With the default 10 000 hosts and
 * 100 metrics there are 1 000 000 series; the {@link Query} selectivities below are for that shape.
 *
 * <p>Stateless and thread-safe; strings of the small vocabularies are shared, host names are created per call.
 */
final class IndexDataset
{
    static final int DEFAULT_HOSTS = 10_000;
    static final int METRICS = 100;
    static final int LABELS_PER_SERIES = 10;

    private static final String[] GROUPS =
        {"cpu", "diskio", "disk", "kernel", "mem", "net", "nginx", "postgresl", "redis", "system"};
    private static final String[] FIELDS = {"usage_user", "usage_system", "usage_idle", "usage_nice",
        "usage_iowait", "usage_irq", "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice"};
    private static final String[] REGIONS = {"us-east-1", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1",
        "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1", "ca-central-1"};
    private static final String[] OS = {"Ubuntu16.10", "Ubuntu16.04LTS", "Ubuntu15.10", "Debian10"};
    private static final String[] TEAMS = {"SF", "NYC", "LON", "CHI", "BER"};
    private static final String[] ENVIRONMENTS = {"production", "staging", "test"};
    private static final String[] METRIC_NAMES = new String[METRICS];
    private static final String[] DATACENTERS = new String[REGIONS.length * 3];
    private static final String[] RACKS = new String[100];
    private static final String[] SERVICES = new String[20];

    static
    {
        for (int m = 0; m < METRICS; m++)
        {
            METRIC_NAMES[m] = GROUPS[m / FIELDS.length] + "_" + FIELDS[m % FIELDS.length];
        }
        for (int d = 0; d < DATACENTERS.length; d++)
        {
            DATACENTERS[d] = REGIONS[d / 3] + (char)('a' + d % 3);
        }
        for (int r = 0; r < RACKS.length; r++)
        {
            RACKS[r] = String.format("rack_%02d", r);
        }
        for (int s = 0; s < SERVICES.length; s++)
        {
            SERVICES[s] = Integer.toString(s);
        }
    }

    private IndexDataset()
    {
    }

    /** The labels of series {@code index} (host {@code index / METRICS}, metric {@code index % METRICS}). */
    static Labels series(final int index)
    {
        return series(hostName(index / METRICS), index / METRICS, index % METRICS);
    }

    static String hostName(final int host)
    {
        return String.format("host_%05d", host);
    }

    static Labels series(final String hostName, final int host, final int metric)
    {
        final int region = host % REGIONS.length;
        return Labels.of(
            "__name__", METRIC_NAMES[metric],
            "job", "tsbs",
            "hostname", hostName,
            "region", REGIONS[region],
            "datacenter", DATACENTERS[region * 3 + (host / REGIONS.length) % 3],
            "rack", RACKS[(host / 30) % RACKS.length],
            "os", OS[(host / 7) % OS.length],
            "team", TEAMS[(host / 13) % TEAMS.length],
            "service", SERVICES[(host / 17) % SERVICES.length],
            "service_environment", ENVIRONMENTS[(host / 19) % ENVIRONMENTS.length]);
    }

    /** All series of {@code hosts} hosts, host by host. */
    static Labels[] all(final int hosts)
    {
        final Labels[] labels = new Labels[hosts * METRICS];
        for (int host = 0; host < hosts; host++)
        {
            final String name = hostName(host);
            for (int metric = 0; metric < METRICS; metric++)
            {
                labels[host * METRICS + metric] = series(name, host, metric);
            }
        }
        return labels;
    }

    /** A label set of host {@code host} (any number, also beyond the data set) for metric {@code metric}. */
    static Labels extraSeries(final long host, final int metric)
    {
        return series("host_x" + host, (int)(host % 1_000_000), metric);
    }

    static String metricName(final int metric)
    {
        return METRIC_NAMES[metric];
    }

    /** The find queries, named by matcher type and approximate selectivity on the full data set. */
    enum Query
    {
        /** {@code __name__="cpu_usage_user"}: 1 % */
        EQ_1(Matcher.equal("__name__", "cpu_usage_user")),
        /** {@code region="us-east-1"}: 10 % */
        EQ_10(Matcher.equal("region", "us-east-1")),
        /** {@code job="tsbs"}: 100 % */
        EQ_100(Matcher.equal("job", "tsbs")),
        /** {@code __name__="cpu_usage_user", region!="us-east-1"}: 0.9 % */
        NEQ_1(Matcher.equal("__name__", "cpu_usage_user"), Matcher.notEqual("region", "us-east-1")),
        /** {@code region="us-east-1", __name__!="cpu_usage_user"}: 9.9 % */
        NEQ_10(Matcher.equal("region", "us-east-1"), Matcher.notEqual("__name__", "cpu_usage_user")),
        /** {@code __name__!="cpu_usage_user"}: 99 % */
        NEQ_100(Matcher.notEqual("__name__", "cpu_usage_user")),
        /** {@code hostname=~"host_000.*"}: 1 % (a prefix regex) */
        RE_1(Matcher.regex("hostname", "host_000.*")),
        /** {@code hostname=~"host_00.*"}: 10 % */
        RE_10(Matcher.regex("hostname", "host_00.*")),
        /** {@code hostname=~"host_.*"}: 100 % */
        RE_100(Matcher.regex("hostname", "host_.*")),
        /** {@code hostname=~"host_0.*5"}: 10 % (the regex runs on every host name) */
        RE_GENERAL_10(Matcher.regex("hostname", "host_0.*5"));

        final List<Matcher> matchers;

        Query(final Matcher... matchers)
        {
            this.matchers = List.of(matchers);
        }
    }
}
