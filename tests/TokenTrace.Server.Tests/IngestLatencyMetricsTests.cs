using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using TokenTrace.LoadTest;

namespace TokenTrace.Server.Tests;

/// <summary><c>tokentrace_server_ingest_seconds</c> on <c>/metrics</c>, and the load test's reading of it.</summary>
public sealed class IngestLatencyMetricsTests
{
    [Fact]
    public async Task Each_ingest_request_is_counted_in_the_latency_histogram()
    {
        await using var server = await ServerHarness.StartAsync();
        using var writer = server.Client(ServerHarness.WriteSecret);
        using var reader = server.Client(ServerHarness.ReadSecret);
        var body = Encoding.UTF8.GetBytes(TestRecords.Jsonl(TestRecords.Many("h", 3)));
        await IngestTests.SendAsync(writer, IngestTests.Post(body, "application/x-ndjson"), HttpStatusCode.OK);
        await IngestTests.SendAsync(writer, IngestTests.Post(body, "application/x-ndjson"), HttpStatusCode.OK);
        // A body that is not JSON is answered (400) by the handler too: timed as well.
        await IngestTests.SendAsync(writer, IngestTests.Post("{"u8.ToArray(), "application/json"), HttpStatusCode.BadRequest);

        var metrics = await reader.GetStringAsync("metrics");

        Assert.Contains("# TYPE tokentrace_server_ingest_seconds histogram\n", metrics, StringComparison.Ordinal);
        Assert.Contains("tokentrace_server_ingest_seconds_bucket{le=\"+Inf\"} 3\n", metrics, StringComparison.Ordinal);
        Assert.Contains("tokentrace_server_ingest_seconds_count 3\n", metrics, StringComparison.Ordinal);
        var buckets = Regex.Matches(metrics, "tokentrace_server_ingest_seconds_bucket\\{le=\"([^\"]+)\"\\} (\\d+)\n")
            .Select(m => long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).ToList();
        // 26 bounds and +Inf, cumulative.
        Assert.Equal(27, buckets.Count);
        Assert.Equal(buckets.Order(), buckets);
        var sum = double.Parse(Regex.Match(metrics, "tokentrace_server_ingest_seconds_sum (\\S+)\n").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(sum, double.Epsilon, 300);
        Assert.Equal(3, LatencyHistogram.Parse(metrics).Count);
    }

    [Fact]
    public void Quantiles_are_interpolated_inside_their_bucket_and_two_runs_add_up()
    {
        const string exposition = """
            tokentrace_server_ingest_seconds_bucket{le="0.01"} 0
            tokentrace_server_ingest_seconds_bucket{le="0.02"} 50
            tokentrace_server_ingest_seconds_bucket{le="0.05"} 90
            tokentrace_server_ingest_seconds_bucket{le="0.1"} 100
            tokentrace_server_ingest_seconds_bucket{le="+Inf"} 100
            tokentrace_server_ingest_seconds_sum 3.5
            tokentrace_server_ingest_seconds_count 100
            """;
        var one = LatencyHistogram.Parse(exposition);

        // p50: rank 50 falls in (0.01, 0.02], which holds requests 1–50: 0.01 + 0.01 × 50/50 = 0.02.
        Assert.Equal(0.02, one.Quantile(0.5), 9);
        // p99: rank 99 falls in (0.05, 0.1], which holds requests 91–100: 0.05 + 0.05 × 9/10 = 0.095.
        Assert.Equal(0.095, one.Quantile(0.99), 9);
        // Two runs of the same shape: 200 requests, 7 s, the same quantiles.
        var two = one.Add(one);
        Assert.Equal((200L, 7.0), (two.Count, two.Sum));
        Assert.Equal(0.095, two.Quantile(0.99), 9);
        Assert.True(double.IsNaN(LatencyHistogram.Empty.Quantile(0.5)));
    }
}
