using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using TokenTrace.Cli.Tests;

namespace TokenTrace.Server.Tests;

/// <summary><c>GET /v1/report</c> answers <c>tokentrace report --format json</c>'s document, from the same writer.</summary>
public sealed class ReportApiTests
{
    [Fact]
    public async Task The_report_equals_tokentrace_report_format_json_but_for_the_instant_it_was_made()
    {
        await using var server = await ServerHarness.StartAsync();
        using var writer = server.Client(ServerHarness.WriteSecret);
        using var reader = server.Client(ServerHarness.ReadSecret);
        var records = TestRecords.Many("docs", 3, "docs")
            .Concat(TestRecords.Many("web", 2, "web"))
            .Append(TestRecords.Make("claude-1", 7, "web", "claude-sonnet-4-5"));
        await IngestTests.SendAsync(writer, IngestTests.Post(Encoding.UTF8.GetBytes(TestRecords.Jsonl(records)), "application/x-ndjson"), HttpStatusCode.OK);

        // A fixed range, so nothing but generatedAt depends on the clock (no budget: a forecast moves with it).
        var api = await reader.GetStringAsync("v1/report?since=2026-11-14&until=2026-11-20");
        var cli = await CliRunner.RunAsync(server.Folder.Path, new Dictionary<string, string?>(), TimeSpan.FromMinutes(2),
            "report", "--since", "2026-11-14", "--until", "2026-11-20", "--tz", "UTC", "--format", "json", "--ledger", "sqlite:" + server.LedgerPath);

        Assert.Equal(0, cli.ExitCode);
        Assert.Equal(WithoutGeneratedAt(cli.Out), WithoutGeneratedAt(api));
        // 6 records on 2026-11-20: 5 × gpt-4o-mini, 1 × claude-sonnet-4-5; seven days, the last one used.
        var root = JsonDocument.Parse(api).RootElement;
        Assert.Equal(6, root.GetProperty("byModel").GetProperty("total").GetProperty("records").GetInt32());
        Assert.Equal(7, root.GetProperty("daily").GetArrayLength());
        Assert.Equal(6, root.GetProperty("daily")[6].GetProperty("records").GetInt32());
    }

    [Fact]
    public async Task A_project_bound_read_token_gets_its_project_and_a_write_token_is_refused()
    {
        await using var server = await ServerHarness.StartAsync();
        using var writer = server.Client(ServerHarness.WriteSecret);
        await IngestTests.SendAsync(writer, IngestTests.Post(Encoding.UTF8.GetBytes(TestRecords.Jsonl(TestRecords.Many("c", 3, "checkout").Concat(TestRecords.Many("s", 5, "search")))), "application/x-ndjson"), HttpStatusCode.OK);
        await server.Ledger.GetService<IBudgetStore>()!.SaveBudgetAsync(new Budget { Name = "search-total", Period = BudgetPeriod.Parse("total"), Limit = 1m, Scope = new UsageQuery { Project = "search" } });

        using var scoped = server.Client(ServerHarness.ProjectReadSecret);
        var root = JsonDocument.Parse(await scoped.GetStringAsync("v1/report?since=2026-11-20&until=2026-11-20")).RootElement;
        var row = Assert.Single(root.GetProperty("byProject").GetProperty("rows").EnumerateArray());
        Assert.Equal("checkout", row.GetProperty("key").GetProperty("project").GetString());
        Assert.Equal(0, root.GetProperty("budgets").GetArrayLength());
        using var other = await scoped.GetAsync("v1/report?project=search");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await writer.GetAsync("v1/report")).StatusCode);
        using var reader = server.Client(ServerHarness.ReadSecret);
        var all = JsonDocument.Parse(await reader.GetStringAsync("v1/report?since=2026-11-20&until=2026-11-20")).RootElement;
        Assert.Equal(8, all.GetProperty("byModel").GetProperty("total").GetProperty("records").GetInt32());
        Assert.Equal("search-total", all.GetProperty("budgets")[0].GetProperty("name").GetString());
    }

    private static string WithoutGeneratedAt(string json) => Regex.Replace(json, "\"generatedAt\": \"[^\"]*\",", "\"generatedAt\": \"…\",");
}
