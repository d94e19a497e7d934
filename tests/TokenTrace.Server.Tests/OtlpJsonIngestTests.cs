using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using static TokenTrace.Server.Tests.IngestTests;

namespace TokenTrace.Server.Tests;

/// <summary>
/// <c>POST /v1/traces</c> and <c>/v1/metrics</c> with OTLP/JSON bodies written by hand (hex ids, int64 as strings or
/// numbers, enums as integers), over real HTTP into a real SQLite ledger.
/// </summary>
public sealed class OtlpJsonIngestTests
{
    // 2026-12-01T10:00:00Z is 1,796,119,200 s after the epoch.
    private const string Start = "1796119200000000000";

    /// <summary>
    /// Four spans from a service named checkout-api: an OpenAI chat (current conventions, cache reads inside the input
    /// count), an Anthropic chat (the older gen_ai.system, cache outside the input count, a TokenTrace project), an HTTP
    /// span without usage, and a span with usage but no model.
    /// </summary>
    private const string Traces = $$$"""
        {"resourceSpans":[{
          "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout-api"}}]},
          "scopeSpans":[{
            "scope":{"name":"my.genai.instrumentation","version":"0.3"},
            "spans":[
              {"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"eee19b7ec3c1b174","name":"chat gpt-4o-mini","kind":3,
               "startTimeUnixNano":"{{{Start}}}","endTimeUnixNano":"1796119201500000000",
               "attributes":[
                 {"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
                 {"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},
                 {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}},
                 {"key":"gen_ai.response.model","value":{"stringValue":"gpt-4o-mini-2024-07-18"}},
                 {"key":"gen_ai.usage.input_tokens","value":{"intValue":"1200"}},
                 {"key":"gen_ai.usage.output_tokens","value":{"intValue":300}},
                 {"key":"gen_ai.usage.cache_read.input_tokens","value":{"intValue":"1024"}},
                 {"key":"gen_ai.agent.name","value":{"stringValue":"support-bot"}},
                 {"key":"gen_ai.conversation.id","value":{"stringValue":"conv-42"}}]},
              {"trace_id":"5b8efff798038103d269b633813fc60c","span_id":"00f067aa0ba902b7","name":"chat claude","kind":3,
               "start_time_unix_nano":{{{Start}}},"end_time_unix_nano":1796119200250000000,
               "status":{"code":2,"message":"overloaded"},
               "attributes":[
                 {"key":"gen_ai.system","value":{"stringValue":"anthropic"}},
                 {"key":"gen_ai.request.model","value":{"stringValue":"claude-sonnet-4-5"}},
                 {"key":"gen_ai.usage.input_tokens","value":{"intValue":"100"}},
                 {"key":"gen_ai.usage.cache_read.input_tokens","value":{"doubleValue":2000}},
                 {"key":"gen_ai.usage.cache_creation.input_tokens","value":{"stringValue":"300"}},
                 {"key":"gen_ai.usage.output_tokens","value":{"intValue":"80"}},
                 {"key":"tokentrace.project","value":{"stringValue":"docs"}},
                 {"key":"tokentrace.user","value":{"stringValue":"ana"}}]},
              {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"1111111111111111","name":"GET /cart","kind":2,
               "startTimeUnixNano":"{{{Start}}}","endTimeUnixNano":"{{{Start}}}",
               "attributes":[{"key":"http.request.method","value":{"stringValue":"GET"}}]},
              {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"2222222222222222","name":"chat ?","kind":3,
               "startTimeUnixNano":"{{{Start}}}",
               "attributes":[{"key":"gen_ai.usage.input_tokens","value":{"intValue":"5"}}]}
            ]}]}]}
        """;

    [Fact]
    public async Task A_JSON_trace_export_maps_the_GenAI_conventions_skips_spans_without_usage_and_refuses_one_without_a_model()
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(ServerHarness.WriteSecret);

        using var response = await client.SendAsync(OtlpPost("v1/traces", Encoding.UTF8.GetBytes(Traces), "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("partialSuccess");
        Assert.Equal("1", answer.GetProperty("rejectedSpans").GetString());
        Assert.Contains("2222222222222222: token usage without a model", answer.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);

        var stored = (await ReadAllAsync(server.Ledger)).ToDictionary(r => r.Id);
        Assert.Equal(2, stored.Count);

        var openai = stored["otlp-5b8efff798038103d269b633813fc60c-eee19b7ec3c1b174"];
        Assert.Equal(("openai", "gpt-4o-mini-2024-07-18", "chat", "otlp"), (openai.Provider, openai.Model, openai.Operation, openai.Source));
        // input_tokens 1200 counts the 1024 cache reads (the conventions' and M.E.AI's reading): 1200 − 1024 = 176 uncached.
        Assert.Equal(new TokenCounts { Input = 176, CacheRead = 1024, Output = 300 }, openai.Tokens);
        // No tokentrace.project: the resource's service.name is the project; agent and session from the GenAI attributes.
        Assert.Equal(("checkout-api", "support-bot", "conv-42"), (openai.Attribution.Project, openai.Attribution.Agent, openai.Attribution.Session));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), openai.Timestamp);
        Assert.Equal(1500, openai.LatencyMs); // end − start = 1.5 s
        Assert.Equal("ok", openai.Status);
        // gpt-4o-mini: 176 × $0.15/M + 1024 × $0.075/M + 300 × $0.60/M = 0.0000264 + 0.0000768 + 0.00018 = $0.0002832.
        Assert.Equal(0.0002832m, openai.CostUsd);
        Assert.Equal("laptop", openai.Attribution.Tags["principal"]);
        Assert.Equal("eee19b7ec3c1b174", openai.Attribution.Tags["otel.span_id"]);

        var anthropic = stored["otlp-5b8efff798038103d269b633813fc60c-00f067aa0ba902b7"];
        Assert.Equal(("anthropic", "claude-sonnet-4-5"), (anthropic.Provider, anthropic.Model));
        // Cache reads + writes (2300) exceed input_tokens (100): the sender counted them outside it, so 100 stays as sent.
        Assert.Equal(new TokenCounts { Input = 100, CacheRead = 2000, CacheWrite = 300, Output = 80 }, anthropic.Tokens);
        Assert.Equal(("docs", "ana"), (anthropic.Attribution.Project, anthropic.Attribution.User));
        Assert.Equal("error", anthropic.Status);
        // 100 × $3/M + 2000 × $0.30/M + 300 × $3.75/M + 80 × $15/M = 0.0003 + 0.0006 + 0.001125 + 0.0012 = $0.003225.
        Assert.Equal(0.003225m, anthropic.CostUsd);

        // The HTTP span is neither stored nor refused, only counted.
        using var reader = server.Client(ServerHarness.ReadSecret);
        Assert.Contains("tokentrace_server_otlp_skipped_total 1\n", await reader.GetStringAsync("metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gzip_export_retried_stores_nothing_new_and_the_answer_is_an_empty_export_response()
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(ServerHarness.WriteSecret);
        var body = Gzip(Traces);

        using var first = await client.SendAsync(OtlpPost("v1/traces", body, "application/json", gzip: true));
        using var second = await client.SendAsync(OtlpPost("v1/traces", body, "application/json", gzip: true));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(2, (await ReadAllAsync(server.Ledger)).Count);
        // The two stored, then the same two found again (the model-less span is refused each time).
        Assert.Contains(server.Logs.Collector.GetSnapshot(), l => l.Message.Contains("0 stored, 2 duplicates, 1 rejected, 1 without token usage", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Exports_need_a_write_token()
    {
        await using var server = await ServerHarness.StartAsync();
        var body = Encoding.UTF8.GetBytes(Traces);
        using var anonymous = server.Client(null);
        using var reader = server.Client(ServerHarness.ReadSecret);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(OtlpPost("v1/traces", body, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.SendAsync(OtlpPost("v1/traces", body, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(OtlpPost("v1/metrics", body, "application/x-protobuf"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.SendAsync(OtlpPost("v1/metrics", body, "application/x-protobuf"))).StatusCode);
        Assert.Empty(await ReadAllAsync(server.Ledger));
    }

    [Fact]
    public async Task A_device_bound_token_stamps_its_device_and_cannot_send_as_another()
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(ServerHarness.DeviceSecret);
        var body = Encoding.UTF8.GetBytes(Traces);

        using var other = OtlpPost("v1/traces", body, "application/json");
        other.Headers.Add(ServerHeaders.Device, "dev-laptop;laptop");
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(other)).StatusCode);
        Assert.Empty(await ReadAllAsync(server.Ledger));

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(OtlpPost("v1/traces", body, "application/json"))).StatusCode);
        var stored = await ReadAllAsync(server.Ledger);
        Assert.Equal(2, stored.Count);
        Assert.All(stored, r => Assert.Equal(("dev-ci", "ci-runner"), (r.Attribution.Tags["device"], r.Attribution.Tags["principal"])));
    }

    [Fact]
    public async Task A_project_bound_token_puts_spans_without_a_project_in_its_own_and_refuses_another()
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(ServerHarness.ProjectSecret);

        using var response = await client.SendAsync(OtlpPost("v1/traces", Encoding.UTF8.GetBytes(Traces), "application/json"));

        // The OpenAI span names no project (service.name is only a default, and the token's project comes first): it is
        // the token's "checkout". The Anthropic span says tokentrace.project "docs": refused, as is the model-less one: 2.
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("partialSuccess");
        Assert.Equal("2", answer.GetProperty("rejectedSpans").GetString());
        var stored = Assert.Single(await ReadAllAsync(server.Ledger));
        Assert.Equal(("otlp-5b8efff798038103d269b633813fc60c-eee19b7ec3c1b174", "checkout"), (stored.Id, stored.Attribution.Project));
    }

    [Theory]
    [InlineData("application/json", "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":", "the body is not JSON")]
    [InlineData("application/json", "[1,2,3]", "expected a JSON object")]
    [InlineData("application/json", "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"W7jv95gDgQPSabYzgT/GDA==\"}]}]}]}", "$.resourceSpans[0].scopeSpans[0].spans[0].traceId: expected hexadecimal")]
    [InlineData("application/json", "{\"resourceSpans\":{}}", "$.resourceSpans: expected an array")]
    [InlineData("application/x-protobuf", "\n\u00ff\u00ff\u00ff\u00ff\u000f", "not an OTLP protobuf message")]
    public async Task A_malformed_body_is_400_with_a_status_in_the_request_encoding(string contentType, string body, string expected)
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(ServerHarness.WriteSecret);

        using var response = await client.SendAsync(OtlpPost("v1/traces", Encoding.Latin1.GetBytes(body), contentType));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        // google.rpc.Status: code 3 (INVALID_ARGUMENT) and a message.
        var status = contentType == "application/json"
            ? JsonSerializer.Deserialize<JsonElement>(bytes) is var json ? (json.GetProperty("code").GetInt32(), json.GetProperty("message").GetString()!) : default
            : TokenTrace.Server.Otlp.Proto.RpcStatus.Parser.ParseFrom(bytes) is var proto ? (proto.Code, proto.Message) : default;
        Assert.Equal(3, status.Item1);
        Assert.Contains(expected, status.Item2, StringComparison.Ordinal);
        Assert.Empty(await ReadAllAsync(server.Ledger));
    }

    [Fact]
    public async Task Counts_that_are_fractions_negative_or_too_large_refuse_their_span_only()
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(ServerHarness.WriteSecret);
        static string Span(string id, string input, string output) => $$$"""
            {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"{{{id}}}","startTimeUnixNano":"1796119200000000000","attributes":[
              {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}},
              {"key":"gen_ai.usage.input_tokens","value":{{{input}}}},{"key":"gen_ai.usage.output_tokens","value":{{{output}}}}]}
            """;
        var body = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[" + string.Join(',',
            Span("0000000000000001", """{"doubleValue":10.5}""", """{"intValue":"1"}"""),
            Span("0000000000000002", """{"intValue":"-3"}""", """{"intValue":"1"}"""),
            Span("0000000000000003", """{"intValue":"9223372036854775807"}""", """{"intValue":"9223372036854775807"}"""),
            Span("0000000000000004", """{"stringValue":"many"}""", """{"intValue":"1"}"""),
            Span("0000000000000005", """{"intValue":"10"}""", """{"intValue":"1"}""")) + "]}]}]}";

        using var response = await client.SendAsync(OtlpPost("v1/traces", Encoding.UTF8.GetBytes(body), "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("partialSuccess");
        Assert.Equal("4", answer.GetProperty("rejectedSpans").GetString());
        var stored = Assert.Single(await ReadAllAsync(server.Ledger));
        Assert.Equal("otlp-5b8efff798038103d269b633813fc60c-0000000000000005", stored.Id);
    }

    [Fact]
    public async Task An_agent_run_span_carrying_its_calls_usage_is_skipped_and_reasoning_outside_the_output_is_added_to_it()
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(ServerHarness.WriteSecret);
        static string Span(string id, string operation, string model, int input, int output, int? reasoning = null)
        {
            var thinking = reasoning is { } r ? $$$""",{"key":"gen_ai.usage.reasoning.output_tokens","value":{"intValue":"{{{r}}}"}}""" : "";
            return $$$"""
                {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"{{{id}}}","startTimeUnixNano":"1796119200000000000","attributes":[
                  {"key":"gen_ai.operation.name","value":{"stringValue":"{{{operation}}}"}},
                  {"key":"gen_ai.request.model","value":{"stringValue":"{{{model}}}"}},
                  {"key":"gen_ai.usage.input_tokens","value":{"intValue":"{{{input}}}"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":"{{{output}}}"}}{{{thinking}}}]}
                """;
        }

        // An agent run of two chat calls (1,000 + 1,000 input, 100 + 200 output): its invoke_agent span sums them
        // (2,000 / 300) and is not a call of its own. A Gemini call whose instrumentation kept 1,500 thinking tokens
        // outside its 200 output tokens: output is 1,700, of which 1,500 reasoning.
        var body = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[" + string.Join(',',
            Span("0000000000000001", "chat", "gpt-4o-mini", 1000, 100),
            Span("0000000000000002", "chat", "gpt-4o-mini", 1000, 200),
            Span("0000000000000003", "invoke_agent", "gpt-4o-mini", 2000, 300),
            Span("0000000000000004", "execute_tool", "gpt-4o-mini", 2000, 300),
            Span("0000000000000005", "generate_content", "gemini-2.5-flash", 40, 200, reasoning: 1500)) + "]}]}]}";

        using var response = await client.SendAsync(OtlpPost("v1/traces", Encoding.UTF8.GetBytes(body), "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stored = (await ReadAllAsync(server.Ledger)).ToDictionary(r => r.Id[^16..]);
        Assert.Equal(["0000000000000001", "0000000000000002", "0000000000000005"], stored.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2000, stored["0000000000000001"].Tokens.Input + stored["0000000000000002"].Tokens.Input);
        Assert.Equal(new TokenCounts { Input = 40, Output = 1700, Reasoning = 1500 }, stored["0000000000000005"].Tokens);
        using var reader = server.Client(ServerHarness.ReadSecret);
        var metrics = await reader.GetStringAsync("metrics");
        Assert.Contains("tokentrace_server_otlp_skipped_total 2\n", metrics, StringComparison.Ordinal);
        Assert.Contains("tokentrace_server_otlp_ingest_seconds_count 1\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_small_gzip_body_that_expands_past_the_OTLP_limit_is_413_and_stores_nothing()
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(ServerHarness.WriteSecret);
        // 21 MiB of JSON whitespace before the message: about 21 KB gzipped, past the 20 MiB an OTLP export may expand to.
        var body = Gzip(new string(' ', 21 * 1024 * 1024) + Traces);
        Assert.True(body.Length < 100_000);

        using var response = await client.SendAsync(OtlpPost("v1/traces", body, "application/json", gzip: true));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await ReadAllAsync(server.Ledger));
    }

    [Fact]
    public async Task Other_content_types_and_encodings_are_415()
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(ServerHarness.WriteSecret);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await client.SendAsync(OtlpPost("v1/traces", [1], "text/plain"))).StatusCode);
        using var brotli = OtlpPost("v1/traces", [1], "application/json");
        brotli.Content!.Headers.ContentEncoding.Add("br");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await client.SendAsync(brotli)).StatusCode);
    }

    /// <summary>
    /// gen_ai.client.token.usage, delta: one window of gpt-4o-mini in checkout-api with input 3000 over 2 calls and
    /// output 700; a window with no calls (count 0); and a cumulative histogram of another service.
    /// </summary>
    private const string Metrics = $$$"""
        {"resourceMetrics":[
          {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout-api"}}]},
           "scopeMetrics":[{"scope":{"name":"Experimental.Microsoft.Extensions.AI"},"metrics":[
             {"name":"gen_ai.client.token.usage","unit":"{token}","histogram":{"aggregationTemporality":1,"dataPoints":[
               {"startTimeUnixNano":"{{{Start}}}","timeUnixNano":"1796119260000000000","count":"2","sum":3000,
                "attributes":[{"key":"gen_ai.token.type","value":{"stringValue":"input"}},{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
                              {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}},{"key":"gen_ai.provider.name","value":{"stringValue":"openai"}}]},
               {"startTimeUnixNano":"{{{Start}}}","timeUnixNano":"1796119260000000000","count":"2","sum":700,
                "attributes":[{"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}},
                              {"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.token.type","value":{"stringValue":"output"}}]},
               {"startTimeUnixNano":"1796119260000000000","timeUnixNano":"1796119320000000000","count":"0",
                "attributes":[{"key":"gen_ai.token.type","value":{"stringValue":"input"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}}]}]}},
             {"name":"http.client.request.duration","histogram":{"aggregationTemporality":1,"dataPoints":[{"count":"1","sum":0.2}]}}]}]},
          {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"search"}}]},
           "scopeMetrics":[{"metrics":[
             {"name":"gen_ai.client.token.usage","histogram":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE","dataPoints":[
               {"startTimeUnixNano":"{{{Start}}}","timeUnixNano":"1796119260000000000","count":"1","sum":50,
                "attributes":[{"key":"gen_ai.token.type","value":{"stringValue":"input"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}}]}]}}]}]}]}
        """;

    [Fact]
    public async Task Token_usage_metrics_are_not_stored_by_default_and_the_sender_is_told_why()
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(ServerHarness.WriteSecret);

        using var response = await client.SendAsync(OtlpPost("v1/metrics", Encoding.UTF8.GetBytes(Metrics), "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("partialSuccess");
        // A warning, not a refusal: 0 rejected; the 3 + 1 token-usage points are named.
        Assert.Equal("0", answer.GetProperty("rejectedDataPoints").GetString());
        Assert.StartsWith("4 gen_ai.client.token.usage points not stored", answer.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Empty(await ReadAllAsync(server.Ledger));
    }

    [Fact]
    public async Task With_metric_records_on_a_delta_window_becomes_one_record_once_and_cumulative_points_are_refused()
    {
        await using var server = await ServerHarness.StartAsync(otlpMetricRecords: true);
        using var client = server.Client(ServerHarness.WriteSecret);
        var body = Encoding.UTF8.GetBytes(Metrics);

        using var first = await client.SendAsync(OtlpPost("v1/metrics", body, "application/json"));
        using var again = await client.SendAsync(OtlpPost("v1/metrics", body, "application/json"));

        var answer = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("partialSuccess");
        Assert.Equal("1", answer.GetProperty("rejectedDataPoints").GetString());
        Assert.Contains("delta temporality", answer.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        var record = Assert.Single(await ReadAllAsync(server.Ledger));
        // The input and output points of the window (attributes in another order) are one record: 3000 in, 700 out.
        Assert.Equal(new TokenCounts { Input = 3000, Output = 700 }, record.Tokens);
        Assert.Equal(("gpt-4o-mini", "openai", "checkout-api", "otlp-metrics"), (record.Model, record.Provider, record.Attribution.Project, record.Source));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 1, 0, TimeSpan.Zero), record.Timestamp); // the window's end
        // 3000 × $0.15/M + 700 × $0.60/M = 0.00045 + 0.00042 = $0.00087.
        Assert.Equal(0.00087m, record.CostUsd);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains(server.Logs.Collector.GetSnapshot(), l => l.Message.Contains("0 stored, 1 duplicates, 1 rejected", StringComparison.Ordinal));
    }

    internal static HttpRequestMessage OtlpPost(string path, byte[] body, string contentType, bool gzip = false)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
    }
}
