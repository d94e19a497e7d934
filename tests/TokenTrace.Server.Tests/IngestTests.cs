using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;

namespace TokenTrace.Server.Tests;

/// <summary><c>POST /v1/records</c> over real HTTP into a real SQLite ledger.</summary>
public sealed class IngestTests
{
    [Fact]
    public async Task A_json_array_is_priced_stored_and_stamped_with_device_and_principal()
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(ServerHarness.WriteSecret);
        var records = TestRecords.Many("a", 3);
        using var request = Post(JsonArray(records), "application/json");
        request.Headers.Add(ServerHeaders.Device, "dev-1;" + Uri.EscapeDataString("Ana's laptop"));

        var answer = await SendAsync(client, request, HttpStatusCode.OK);

        Assert.Equal(3, answer.GetProperty("stored").GetInt32());
        Assert.Equal(0, answer.GetProperty("duplicates").GetInt32());
        Assert.Equal(0, answer.GetProperty("rejected").GetInt32());
        var stored = await ReadAllAsync(server.Ledger);
        Assert.Equal(["a-0000", "a-0001", "a-0002"], stored.Select(r => r.Id).Order());
        foreach (var record in stored)
        {
            Assert.Equal("dev-1", record.Attribution.Tags["device"]);
            Assert.Equal("Ana's laptop", record.Attribution.Tags["device.name"]);
            Assert.Equal("laptop", record.Attribution.Tags["principal"]);
            // Priced by the pipeline on the way in: gpt-4o-mini at $0.15/M input, $0.60/M output:
            // 1,000 × 0.15/1e6 + 500 × 0.60/1e6 = 0.00015 + 0.0003 = $0.00045.
            Assert.Equal(0.00045m, record.CostUsd);
        }
    }

    [Fact]
    public async Task A_gzip_jsonl_batch_sent_twice_is_stored_once()
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(ServerHarness.WriteSecret);
        var body = Gzip(TestRecords.Jsonl(TestRecords.Many("g", 4)));

        var first = await SendAsync(client, Post(body, "application/x-ndjson", gzip: true), HttpStatusCode.OK);
        var second = await SendAsync(client, Post(body, "application/x-ndjson", gzip: true), HttpStatusCode.OK);

        Assert.Equal((4, 0), (first.GetProperty("stored").GetInt32(), first.GetProperty("duplicates").GetInt32()));
        Assert.Equal((0, 4), (second.GetProperty("stored").GetInt32(), second.GetProperty("duplicates").GetInt32()));
        Assert.Equal(4, (await ReadAllAsync(server.Ledger)).Count);
    }

    [Fact]
    public async Task Bad_lines_are_reported_with_their_line_number_and_field_and_the_good_ones_stored()
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(ServerHarness.WriteSecret);
        var good = TestRecords.Jsonl(TestRecords.Many("b", 2)).Split('\n');
        var body = string.Join('\n',
            good[0],
            "",
            """{"id":"bad-1","timestamp":"2026-11-20T10:00:00Z","model":"gpt-4o-mini","input":"many"}""",
            "not json at all",
            good[1]);

        var answer = await SendAsync(client, Post(Encoding.UTF8.GetBytes(body), "application/x-ndjson"), HttpStatusCode.OK);

        Assert.Equal(2, answer.GetProperty("stored").GetInt32());
        Assert.Equal(2, answer.GetProperty("rejected").GetInt32());
        var errors = answer.GetProperty("errors").EnumerateArray().ToList();
        // Line 2 is blank and counted; line 3 has a word for a count; line 4 is not JSON.
        Assert.Equal(3, errors[0].GetProperty("line").GetInt32());
        Assert.Equal("input", errors[0].GetProperty("field").GetString());
        Assert.Equal(4, errors[1].GetProperty("line").GetInt32());
        Assert.Equal(JsonValueKind.Null, errors[1].GetProperty("field").ValueKind);
        Assert.Equal(["b-0000", "b-0001"], (await ReadAllAsync(server.Ledger)).Select(r => r.Id).Order());
    }

    [Fact]
    public async Task Writes_need_a_write_token_and_reads_a_read_token()
    {
        await using var server = await ServerHarness.StartAsync();
        var body = Encoding.UTF8.GetBytes(TestRecords.Jsonl(TestRecords.Many("s", 1)));
        using var anonymous = server.Client(null);
        using var wrong = server.Client("tt_not-a-token");
        using var reader = server.Client(ServerHarness.ReadSecret);
        using var writer = server.Client(ServerHarness.WriteSecret);

        using var noToken = await anonymous.SendAsync(Post(body, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal("Bearer", noToken.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.SendAsync(Post(body, "application/x-ndjson"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.SendAsync(Post(body, "application/x-ndjson"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await writer.GetAsync("v1/summary")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("v1/summary")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("metrics")).StatusCode);
        Assert.Empty(await ReadAllAsync(server.Ledger));

        Assert.Equal(HttpStatusCode.OK, (await writer.SendAsync(Post(body, "application/x-ndjson"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("v1/summary")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("healthz")).StatusCode);
    }

    [Fact]
    public async Task A_device_bound_token_cannot_send_as_another_device()
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(ServerHarness.DeviceSecret);
        var body = Encoding.UTF8.GetBytes(TestRecords.Jsonl(TestRecords.Many("d", 2)));

        using var other = Post(body, "application/x-ndjson");
        other.Headers.Add(ServerHeaders.Device, "dev-laptop;laptop");
        var refused = await SendAsync(client, other, HttpStatusCode.Forbidden);
        Assert.Contains("dev-ci", refused.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(await ReadAllAsync(server.Ledger));

        // Without a device header, the token's own device is stamped.
        await SendAsync(client, Post(body, "application/x-ndjson"), HttpStatusCode.OK);
        Assert.All(await ReadAllAsync(server.Ledger), r => Assert.Equal("dev-ci", r.Attribution.Tags["device"]));
    }

    [Fact]
    public async Task A_project_bound_token_stores_only_its_project()
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(ServerHarness.ProjectSecret);
        var unattributed = TestRecords.Make("p-3") with { Attribution = Attribution.None };
        var body = Encoding.UTF8.GetBytes(TestRecords.Jsonl([TestRecords.Make("p-1", project: "checkout"), TestRecords.Make("p-2", project: "search"), unattributed]));

        var answer = await SendAsync(client, Post(body, "application/x-ndjson"), HttpStatusCode.OK);

        Assert.Equal(2, answer.GetProperty("stored").GetInt32());
        var error = answer.GetProperty("errors").EnumerateArray().Single();
        Assert.Equal((2, "project"), (error.GetProperty("line").GetInt32(), error.GetProperty("field").GetString()));
        var stored = (await ReadAllAsync(server.Ledger)).OrderBy(r => r.Id).ToList();
        Assert.Equal(["p-1", "p-3"], stored.Select(r => r.Id));
        Assert.All(stored, r => Assert.Equal("checkout", r.Attribution.Project));
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused_with_413_and_nothing_stored()
    {
        await using var server = await ServerHarness.StartAsync(maxBodyBytes: 1024);
        using var client = server.Client(ServerHarness.WriteSecret);
        // 20 records of ≈ 200 bytes each: ≈ 4 KB, four times the limit.
        var body = Encoding.UTF8.GetBytes(TestRecords.Jsonl(TestRecords.Many("big", 20)));
        Assert.True(body.Length > 2048);

        using var response = await client.SendAsync(Post(body, "application/x-ndjson"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await ReadAllAsync(server.Ledger));
    }

    [Fact]
    public async Task A_gzip_body_that_expands_past_the_limit_is_refused_with_413()
    {
        await using var server = await ServerHarness.StartAsync(maxDecompressedBytes: 512 * 1024);
        using var client = server.Client(ServerHarness.WriteSecret);
        // 1 MiB of newlines compresses to about a kilobyte: small on the wire, twice the expansion limit once read.
        var bomb = Gzip(new string('\n', 1024 * 1024));
        Assert.True(bomb.Length < 16 * 1024);

        using var response = await client.SendAsync(Post(bomb, "application/x-ndjson", gzip: true));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task No_log_line_contains_a_token()
    {
        await using var server = await ServerHarness.StartAsync();
        var body = Encoding.UTF8.GetBytes(TestRecords.Jsonl(TestRecords.Many("l", 2)));
        using (var writer = server.Client(ServerHarness.WriteSecret))
        using (var reader = server.Client(ServerHarness.ReadSecret))
        using (var wrong = server.Client("tt_wrong-secret-never-logged"))
        {
            await writer.SendAsync(Post(body, "application/x-ndjson"));
            await writer.GetAsync("v1/summary");
            await reader.GetAsync("v1/summary?by=model");
            await wrong.SendAsync(Post(body, "application/x-ndjson"));
        }

        var logs = server.Logs.Collector.GetSnapshot();
        Assert.Contains(logs, l => l.Message.Contains("laptop", StringComparison.Ordinal)); // the principal's name is logged
        Assert.Contains(logs, l => l.Message.Contains("no valid bearer token", StringComparison.Ordinal));
        foreach (var log in logs)
        {
            var text = log.Message + " " + string.Join(" ", log.StructuredState?.Select(p => p.Value) ?? []) + " " + log.Exception;
            foreach (var secret in new[] { ServerHarness.WriteSecret, ServerHarness.ReadSecret, "tt_wrong-secret-never-logged" })
            {
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
                Assert.DoesNotContain(secret[3..15], text, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Requests_past_a_tokens_allowance_are_refused_with_429()
    {
        await using var server = await ServerHarness.StartAsync(burst: 2);
        using var reader = server.Client(ServerHarness.ReadSecret);
        using var writer = server.Client(ServerHarness.WriteSecret);

        // A burst of 2 refilled by 1 a second: the third request within the second is refused; another token has its own allowance.
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("v1/budgets")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("v1/budgets")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await reader.GetAsync("v1/budgets")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await writer.SendAsync(Post("[]"u8.ToArray(), "application/json"))).StatusCode);
    }

    internal static HttpRequestMessage Post(byte[] body, string contentType, bool gzip = false)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        if (gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        return new HttpRequestMessage(HttpMethod.Post, "v1/records") { Content = content };
    }

    internal static async Task<JsonElement> SendAsync(HttpClient client, HttpRequestMessage request, HttpStatusCode expected)
    {
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    internal static async Task<List<UsageRecord>> ReadAllAsync(IUsageLedger ledger)
    {
        var records = new List<UsageRecord>();
        await foreach (var record in ledger.ReadAsync(UsageQuery.All))
        {
            records.Add(record);
        }

        return records;
    }

    internal static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return output.ToArray();
    }

    private static byte[] JsonArray(IEnumerable<UsageRecord> records)
    {
        using var output = new MemoryStream();
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartArray();
            foreach (var record in records)
            {
                UsageRecordJson.Write(writer, record);
            }

            writer.WriteEndArray();
        }

        return output.ToArray();
    }
}
