using System.Globalization;

namespace TokenTrace.LoadTest;

/// <summary>
/// The server's <c>tokentrace_server_ingest_seconds</c> histogram as scraped from <c>/metrics</c>, one per server run;
/// runs add up (a restarted server starts from zero). Quantiles are interpolated inside a bucket as Prometheus's
/// <c>histogram_quantile</c> does.
/// </summary>
internal sealed class LatencyHistogram
{
    private const string Metric = "tokentrace_server_ingest_seconds";

    private LatencyHistogram(IReadOnlyList<(double Bound, long Cumulative)> buckets, double sum)
    {
        Buckets = buckets;
        Sum = sum;
    }

    /// <summary>An empty histogram.</summary>
    public static LatencyHistogram Empty { get; } = new([], 0);

    /// <summary>(upper bound in seconds, requests at or under it), +Inf last.</summary>
    public IReadOnlyList<(double Bound, long Cumulative)> Buckets { get; }

    /// <summary>Seconds spent in all requests.</summary>
    public double Sum { get; }

    /// <summary>Requests counted.</summary>
    public long Count => Buckets.Count == 0 ? 0 : Buckets[^1].Cumulative;

    /// <summary>The histogram in a <c>/metrics</c> exposition.</summary>
    public static LatencyHistogram Parse(string exposition)
    {
        var buckets = new List<(double, long)>();
        double sum = 0;
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith(Metric + "_bucket{le=\"", StringComparison.Ordinal))
            {
                var bound = line[(Metric.Length + 12)..line.IndexOf('"', Metric.Length + 12)];
                var value = long.Parse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture);
                buckets.Add((bound == "+Inf" ? double.PositiveInfinity : double.Parse(bound, NumberStyles.Float, CultureInfo.InvariantCulture), value));
            }
            else if (line.StartsWith(Metric + "_sum ", StringComparison.Ordinal))
            {
                sum = double.Parse(line[(Metric.Length + 5)..], NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }

        return new LatencyHistogram(buckets, sum);
    }

    /// <summary>This run's and <paramref name="other"/>'s requests together (same buckets).</summary>
    public LatencyHistogram Add(LatencyHistogram other)
    {
        if (Count == 0)
        {
            return other;
        }

        if (other.Count == 0)
        {
            return this;
        }

        return new LatencyHistogram([.. Buckets.Zip(other.Buckets, (a, b) => (a.Bound, a.Cumulative + b.Cumulative))], Sum + other.Sum);
    }

    /// <summary>The <paramref name="q"/> quantile in seconds (NaN when empty), linear inside its bucket.</summary>
    public double Quantile(double q)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var rank = q * Count;
        double lower = 0;
        long below = 0;
        foreach (var (bound, cumulative) in Buckets)
        {
            if (cumulative >= rank)
            {
                // Past the last finite bound there is nothing to interpolate to: the last bound is the answer.
                return double.IsPositiveInfinity(bound) ? lower : lower + ((bound - lower) * (rank - below) / Math.Max(1, cumulative - below));
            }

            lower = bound;
            below = cumulative;
        }

        return lower;
    }
}
