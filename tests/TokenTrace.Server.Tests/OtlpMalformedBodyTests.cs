using System.Net;
using System.Text;
using CsCheck;
using Google.Protobuf;
using TokenTrace.Server.Otlp.Proto;
using static TokenTrace.Server.Tests.OtlpJsonIngestTests;

namespace TokenTrace.Server.Tests;

/// <summary>
/// Whatever bytes reach <c>/v1/traces</c> or <c>/v1/metrics</c> (random, or a valid export with bytes changed or cut off,
/// as protobuf, JSON or gzip), the answer is 200 or 400: never a 500, never an exception out of the handler.
/// </summary>
public sealed class OtlpMalformedBodyTests
{
    private static readonly string[] Paths = ["v1/traces", "v1/metrics"];
    private static readonly string[] ContentTypes = ["application/x-protobuf", "application/json"];

    [Fact]
    public async Task Arbitrary_and_corrupted_bodies_are_answered_200_or_400_never_500()
    {
        await using var server = await ServerHarness.StartAsync(burst: 1_000_000, otlpMetricRecords: true);
        using var client = server.Client(ServerHarness.WriteSecret);
        byte[][] seeds = [ValidTraces().ToByteArray(), ValidMetrics().ToByteArray(), Encoding.UTF8.GetBytes(JsonTraces), []];

        // A seed, a few (position, byte) changes and a cut; or bytes from nothing.
        var corrupted = Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Select(Gen.Int[0, 4096], Gen.Byte).Array[0, 6], Gen.Int[0, 4096], Gen.Bool)
            .Select(t =>
            {
                var body = (byte[])seeds[t.Item1].Clone();
                foreach (var (position, value) in t.Item2)
                {
                    if (body.Length > 0)
                    {
                        body[position % body.Length] = value;
                    }
                }

                return t.Item4 && body.Length > 0 ? body[..(t.Item3 % body.Length)] : body;
            });
        var body = Gen.OneOf(corrupted, Gen.Byte.Array[0, 512]);
        var unexpected = new List<string>();
        await Gen.Select(body, Gen.Int[0, 1], Gen.Int[0, 1], Gen.Bool).SampleAsync(
            async (bytes, path, type, gzip) =>
            {
                using var request = OtlpPost(Paths[path], gzip ? Gzip(bytes) : bytes, ContentTypes[type], gzip);
                using var response = await client.SendAsync(request);
                if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.BadRequest))
                {
                    unexpected.Add($"{(int)response.StatusCode} for {Paths[path]} {ContentTypes[type]} gzip={gzip}: {Convert.ToHexString(bytes)}");
                }
            },
            iter: 400);

        var errors = server.Logs.Collector.GetSnapshot().Where(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Error).Select(l => l.Message + " " + l.Exception).ToList();
        Assert.True(unexpected.Count == 0 && errors.Count == 0, string.Join("\n", unexpected.Take(3).Concat(errors.Take(3))));
    }

    [Fact]
    public async Task A_gzip_header_over_garbage_is_400()
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(ServerHarness.WriteSecret);

        using var response = await client.SendAsync(OtlpPost("v1/traces", [0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7], "application/x-protobuf", gzip: true));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid gzip", RpcStatus.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync()).Message, StringComparison.Ordinal);
    }

    private const string JsonTraces = """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"spans":[
          {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","startTimeUnixNano":"1796119200000000000",
           "attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"10"}},
                         {"key":"nested","value":{"kvlistValue":{"values":[{"key":"a","value":{"arrayValue":{"values":[{"doubleValue":1.5},{"bytesValue":"AAE="}]}}}]}}}]}]}]}]}
        """;

    private static ExportTraceServiceRequest ValidTraces()
    {
        var span = new Span
        {
            TraceId = ByteString.CopyFrom(Convert.FromHexString("5b8efff798038103d269b633813fc60c")),
            SpanId = ByteString.CopyFrom(Convert.FromHexString("eee19b7ec3c1b174")),
            Name = "chat gpt-4o-mini",
            StartTimeUnixNano = 1_796_119_200_000_000_000,
            EndTimeUnixNano = 1_796_119_201_000_000_000,
            Status = new SpanStatus { Code = 2 },
        };
        span.Attributes.Add(Attribute("gen_ai.request.model", new AnyValue { StringValue = "gpt-4o-mini" }));
        span.Attributes.Add(Attribute("gen_ai.usage.input_tokens", new AnyValue { IntValue = 1200 }));
        span.Attributes.Add(Attribute("gen_ai.usage.output_tokens", new AnyValue { DoubleValue = 300 }));
        span.Attributes.Add(Attribute("gen_ai.usage.cache_read.input_tokens", new AnyValue { StringValue = "1024" }));
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "test" } };
        scope.Spans.Add(span);
        var resource = new ResourceSpans { Resource = new Resource() };
        resource.Resource.Attributes.Add(Attribute("service.name", new AnyValue { StringValue = "svc" }));
        resource.ScopeSpans.Add(scope);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(resource);
        return request;
    }

    private static ExportMetricsServiceRequest ValidMetrics()
    {
        var histogram = new Histogram { AggregationTemporality = 1 };
        foreach (var (type, sum) in new[] { ("input", 3000.0), ("output", 700.0) })
        {
            var point = new HistogramDataPoint { StartTimeUnixNano = 1_796_119_200_000_000_000, TimeUnixNano = 1_796_119_260_000_000_000, Count = 2, Sum = sum };
            point.Attributes.Add(Attribute("gen_ai.token.type", new AnyValue { StringValue = type }));
            point.Attributes.Add(Attribute("gen_ai.request.model", new AnyValue { StringValue = "gpt-4o-mini" }));
            histogram.DataPoints.Add(point);
        }

        var scope = new ScopeMetrics();
        scope.Metrics.Add(new Metric { Name = "gen_ai.client.token.usage", Histogram = histogram });
        var resource = new ResourceMetrics();
        resource.ScopeMetrics.Add(scope);
        var request = new ExportMetricsServiceRequest();
        request.ResourceMetrics.Add(resource);
        return request;
    }

    private static KeyValue Attribute(string key, AnyValue value) => new() { Key = key, Value = value };

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }
}
