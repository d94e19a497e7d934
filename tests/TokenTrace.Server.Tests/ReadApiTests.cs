using System.Net;
using System.Text;
using System.Text.Json;
using TokenTrace.Cli.Tests;

namespace TokenTrace.Server.Tests;

/// <summary>The read APIs answer in the command line's JSON shapes.</summary>
public sealed class ReadApiTests
{
    [Fact]
    public async Task The_summary_equals_tokentrace_summary_format_json_byte_for_byte()
    {
        await using var server = await ServerHarness.StartAsync();
        using var writer = server.Client(ServerHarness.WriteSecret);
        using var reader = server.Client(ServerHarness.ReadSecret);
        var records = TestRecords.Many("docs", 3, "docs")
            .Concat(TestRecords.Many("web", 2, "web"))
            .Append(TestRecords.Make("claude-1", 7, "web", "claude-sonnet-4-5"))
            .Append(TestRecords.Make("unknown-1", 8, "docs", "a-model-nobody-prices"));
        await IngestTests.SendAsync(writer, IngestTests.Post(Encoding.UTF8.GetBytes(TestRecords.Jsonl(records)), "application/x-ndjson"), HttpStatusCode.OK);

        var api = await reader.GetStringAsync("v1/summary?by=model,project");
        var cli = await CliRunner.RunAsync(server.Folder.Path, new Dictionary<string, string?>(), TimeSpan.FromMinutes(2),
            "summary", "--by", "model,project", "--format", "json", "--ledger", "sqlite:" + server.LedgerPath);

        Assert.Equal(0, cli.ExitCode);
        Assert.Equal(cli.Out, api);
        // And it is the figures: 7 records, of which 1 unpriced.
        var total = JsonDocument.Parse(api).RootElement.GetProperty("total");
        Assert.Equal(7, total.GetProperty("records").GetInt32());
        Assert.Equal(1, total.GetProperty("unpricedRecords").GetInt32());
    }

    [Fact]
    public async Task The_summary_filters_and_a_project_scope_hold()
    {
        await using var server = await ServerHarness.StartAsync();
        using var writer = server.Client(ServerHarness.WriteSecret);
        using var reader = server.Client(ServerHarness.ReadSecret);
        await IngestTests.SendAsync(writer, IngestTests.Post(Encoding.UTF8.GetBytes(TestRecords.Jsonl(TestRecords.Many("x", 4, "docs").Concat(TestRecords.Many("y", 2, "web")))), "application/x-ndjson"), HttpStatusCode.OK);

        var web = JsonDocument.Parse(await reader.GetStringAsync("v1/summary?project=web")).RootElement;
        Assert.Equal(2, web.GetProperty("total").GetProperty("records").GetInt32());
        var byDevice = JsonDocument.Parse(await reader.GetStringAsync("v1/summary?by=tag:principal")).RootElement;
        Assert.Equal("laptop", byDevice.GetProperty("rows")[0].GetProperty("key").GetProperty("tag:principal").GetString());

        using var bad = await reader.GetAsync("v1/summary?by=colour");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var badDay = await reader.GetAsync("v1/summary?since=yesterday-ish");
        Assert.Equal(HttpStatusCode.BadRequest, badDay.StatusCode);
    }

    [Fact]
    public async Task A_project_bound_read_token_sees_its_project_only()
    {
        await using var server = await ServerHarness.StartAsync();
        using var writer = server.Client(ServerHarness.WriteSecret);
        using var reader = server.Client(ServerHarness.ProjectReadSecret);
        await IngestTests.SendAsync(writer, IngestTests.Post(Encoding.UTF8.GetBytes(TestRecords.Jsonl(TestRecords.Many("c", 3, "checkout").Concat(TestRecords.Many("s", 5, "search")))), "application/x-ndjson"), HttpStatusCode.OK);

        var all = JsonDocument.Parse(await reader.GetStringAsync("v1/summary?by=project")).RootElement;
        var row = Assert.Single(all.GetProperty("rows").EnumerateArray());
        Assert.Equal("checkout", row.GetProperty("key").GetProperty("project").GetString());
        Assert.Equal(3, all.GetProperty("total").GetProperty("records").GetInt32());
        using var other = await reader.GetAsync("v1/summary?project=search");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
    }

    [Fact]
    public async Task Budgets_equal_tokentrace_budget_status_format_json_byte_for_byte()
    {
        await using var server = await ServerHarness.StartAsync();
        using var writer = server.Client(ServerHarness.WriteSecret);
        using var reader = server.Client(ServerHarness.ReadSecret);
        await IngestTests.SendAsync(writer, IngestTests.Post(Encoding.UTF8.GetBytes(TestRecords.Jsonl(TestRecords.Many("b", 4))), "application/x-ndjson"), HttpStatusCode.OK);
        // A total budget has no window edge that moves with the clock, so both answers are the same at any instant.
        await server.Ledger.GetService<IBudgetStore>()!.SaveBudgetAsync(new Budget { Name = "all-time", Period = BudgetPeriod.Parse("total"), Limit = 1m });

        var api = await reader.GetStringAsync("v1/budgets");
        var cli = await CliRunner.RunAsync(server.Folder.Path, new Dictionary<string, string?>(), TimeSpan.FromMinutes(2),
            "budget", "status", "--format", "json", "--ledger", "sqlite:" + server.LedgerPath);

        Assert.Equal(0, cli.ExitCode);
        Assert.Equal(cli.Out, api);
        // 4 records × $0.00045 = $0.0018 of $1.
        Assert.Equal(0.0018m, JsonDocument.Parse(api).RootElement.GetProperty("budgets")[0].GetProperty("spend").GetDecimal());
    }

    [Fact]
    public async Task Budgets_health_and_metrics_answer()
    {
        await using var server = await ServerHarness.StartAsync();
        using var writer = server.Client(ServerHarness.WriteSecret);
        using var reader = server.Client(ServerHarness.ReadSecret);
        using var anonymous = server.Client(null);
        var body = Encoding.UTF8.GetBytes(TestRecords.Jsonl(TestRecords.Many("m", 3)));
        await IngestTests.SendAsync(writer, IngestTests.Post(body, "application/x-ndjson"), HttpStatusCode.OK);
        await IngestTests.SendAsync(writer, IngestTests.Post(body, "application/x-ndjson"), HttpStatusCode.OK);

        var budgets = JsonDocument.Parse(await reader.GetStringAsync("v1/budgets")).RootElement;
        Assert.Equal(0, budgets.GetProperty("budgets").GetArrayLength());
        Assert.Equal(0, budgets.GetProperty("alerts").GetArrayLength());

        var health = JsonDocument.Parse(await anonymous.GetStringAsync("healthz")).RootElement;
        Assert.Equal("healthy", health.GetProperty("status").GetString());

        var metrics = await reader.GetStringAsync("metrics");
        // Two batches of the same 3 records: 3 stored, 3 duplicates; the two POSTs answered 200.
        Assert.Contains("tokentrace_server_records_stored_total 3\n", metrics, StringComparison.Ordinal);
        Assert.Contains("tokentrace_server_records_duplicate_total 3\n", metrics, StringComparison.Ordinal);
        Assert.Contains("tokentrace_server_records_rejected_total 0\n", metrics, StringComparison.Ordinal);
        Assert.Matches("tokentrace_server_requests_total\\{status=\"200\"\\} [3-9]", metrics);
    }
}
