using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using TokenTrace.Cli.Tests;

namespace TokenTrace.Server.Tests;

/// <summary>
/// <c>--ledger http://server</c>: the real <c>tokentrace</c> program reading through a real server on loopback answers what it
/// answers over the server's own SQLite file, byte for byte; a missing, wrong or write-only token and a server that does not
/// answer are bad input (exit 2) with a message that says which.
/// </summary>
public sealed class RemoteLedgerCliTests
{
    /// <summary>A fixed "now" for both runs, so the views that look at the clock (trend, budgets, report) agree.</summary>
    private const string Now = "2026-11-22T12:00:00Z";

    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    [Theory]
    [InlineData("summary", "--by", "model,project", "--format", "json")]
    [InlineData("summary", "--by", "day,tag:principal", "--tz", "Europe/Paris", "--format", "json")]
    [InlineData("summary", "--project", "web", "--since", "2026-11-20")]
    [InlineData("export", "--to", "jsonl")]
    [InlineData("export", "--to", "csv", "--project", "docs")]
    [InlineData("trend", "--by", "day", "--format", "json")]
    [InlineData("budget", "status", "--format", "json")]
    [InlineData("report", "--format", "json", "--at", Now)]
    public async Task A_view_through_the_server_equals_the_view_of_its_ledger_file(params string[] view)
    {
        await using var server = await SeededServerAsync();

        var local = await RunAsync(server, null, [.. view, "--ledger", "sqlite:" + server.LedgerPath]);
        var remote = await RunAsync(server, ServerHarness.ReadSecret, [.. view, "--ledger", server.Address.ToString()]);

        Assert.True(local.ExitCode == 0, local.Error);
        Assert.True(remote.ExitCode == 0, remote.Error);
        Assert.Equal(local.Out, remote.Out);
        Assert.Contains(view[0] == "export" ? "docs" : "0", remote.Out, StringComparison.Ordinal); // not an empty answer on both sides
    }

    [Fact]
    public async Task The_summary_and_export_carry_every_record_and_figure()
    {
        await using var server = await SeededServerAsync();

        var summary = await RunAsync(server, ServerHarness.ReadSecret, "summary", "--format", "json", "--ledger", server.Address.ToString());
        var export = await RunAsync(server, ServerHarness.ReadSecret, "export", "--to", "jsonl", "--ledger", server.Address.ToString());

        // 3 docs + 2 web + 1 claude + 1 unpriced record, each 1,000 input and 500 output tokens: 7 records, 10,500 tokens.
        var total = JsonDocument.Parse(summary.Out).RootElement.GetProperty("total");
        Assert.Equal(7, total.GetProperty("records").GetInt32());
        Assert.Equal(10_500, total.GetProperty("totalTokens").GetInt64());
        Assert.Equal(1, total.GetProperty("unpricedRecords").GetInt32());
        Assert.Equal(7, export.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Without_a_token_a_view_says_to_set_TOKENTRACE_TOKEN_and_exits_2()
    {
        await using var server = await SeededServerAsync();

        var run = await RunAsync(server, null, "summary", "--ledger", server.Address.ToString());

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("needs a token", run.Error, StringComparison.Ordinal);
        Assert.Contains("TOKENTRACE_TOKEN", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_token_exits_2_saying_the_server_refused_it()
    {
        await using var server = await SeededServerAsync();

        var run = await RunAsync(server, "tt_not-a-token-the-server-knows", "summary", "--ledger", server.Address.ToString());

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("refused the token", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("tt_not-a-token", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_write_token_cannot_read_and_exits_2_saying_a_read_token_is_needed()
    {
        await using var server = await SeededServerAsync();

        var run = await RunAsync(server, ServerHarness.WriteSecret, "export", "--to", "jsonl", "--ledger", server.Address.ToString());

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("may not", run.Error, StringComparison.Ordinal);
        Assert.Contains("read token", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(ServerHarness.WriteSecret, run.Error + run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_exits_2_naming_the_url()
    {
        // A port that was free a moment ago and has nobody listening on it now.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var home = new TempDirectory();

        var run = await CliRunner.RunAsync(home.Path, new Dictionary<string, string?> { ["TOKENTRACE_TOKEN"] = ServerHarness.ReadSecret }, Limit,
            "summary", "--ledger", $"http://127.0.0.1:{port}/");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"127.0.0.1:{port}", run.Error, StringComparison.Ordinal);
        Assert.Contains("no TokenTrace server answers", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://reader:tt_secret-in-url@127.0.0.1:5080/")]
    [InlineData("http://127.0.0.1:5080/?token=tt_secret-in-url")]
    public async Task A_token_in_the_url_is_refused_without_repeating_it(string url)
    {
        using var home = new TempDirectory();

        var run = await CliRunner.RunAsync(home.Path, new Dictionary<string, string?>(), Limit, "summary", "--ledger", url);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("TOKENTRACE_TOKEN", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("tt_secret-in-url", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_http_to_another_host_is_refused()
    {
        using var home = new TempDirectory();

        var run = await CliRunner.RunAsync(home.Path, new Dictionary<string, string?> { ["TOKENTRACE_TOKEN"] = ServerHarness.ReadSecret }, Limit,
            "summary", "--ledger", "http://tokentrace.example.com/");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("loopback", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Daily_through_the_server_reads_the_team_ledger_without_syncing_this_machines_history_into_it()
    {
        await using var server = await ServerHarness.StartAsync();
        using var writer = server.Client(ServerHarness.WriteSecret);
        var pushed = TestRecords.Make("claude-team-1", 0, "web", "claude-sonnet-4-5") with { Source = "claude-code" };
        await IngestTests.SendAsync(writer, IngestTests.Post(Encoding.UTF8.GetBytes(TestRecords.Jsonl([pushed])), "application/x-ndjson"), HttpStatusCode.OK);
        // This machine has Claude Code history of its own (2026-03-01), which a local `daily` would sync first.
        var folder = Directory.CreateDirectory(Path.Combine(server.Folder.Path, "claude", "projects", "-w")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "s.jsonl"),
            """{"timestamp":"2026-03-01T10:00:00.000Z","sessionId":"s1","cwd":"/w","type":"assistant","message":{"id":"m1","model":"claude-sonnet-4-5-20250929","role":"assistant","stop_reason":"end_turn","usage":{"input_tokens":100,"output_tokens":10}},"requestId":"r-m1"}""" + "\n");
        var environment = new Dictionary<string, string?>
        {
            ["TOKENTRACE_TOKEN"] = ServerHarness.ReadSecret,
            ["HOME"] = server.Folder.Path,
            ["CLAUDE_CONFIG_DIR"] = Path.Combine(server.Folder.Path, "claude"),
            ["CODEX_HOME"] = Path.Combine(server.Folder.Path, "codex"),
            ["GEMINI_DATA_DIR"] = Path.Combine(server.Folder.Path, "gemini"),
        };

        var daily = await CliRunner.RunAsync(server.Folder.Path, environment, Limit, "daily", "--tz", "UTC", "--format", "json", "--ledger", server.Address.ToString());

        Assert.True(daily.ExitCode == 0, daily.Error);
        var day = Assert.Single(JsonDocument.Parse(daily.Out).RootElement.GetProperty("rows").EnumerateArray());
        Assert.Equal("2026-11-20", day.GetProperty("key").GetProperty("day").GetString());
        await foreach (var record in server.Ledger.ReadAsync(UsageQuery.All))
        {
            Assert.Equal("claude-team-1", record.Id); // nothing of this machine's history was written to the server
        }
    }

    [Fact]
    public async Task Recording_through_the_server_sends_this_machines_push_device_id_so_a_device_bound_token_accepts_it()
    {
        // The "ci-runner" token may only send as device "dev-ci": the id `push` made and keeps in $TOKENTRACE_HOME/device-id.
        await using var server = await ServerHarness.StartAsync();
        using var home = new TempDirectory();
        await File.WriteAllTextAsync(Path.Combine(home.Path, "device-id"), "dev-ci\n");
        var environment = new Dictionary<string, string?> { ["TOKENTRACE_TOKEN"] = ServerHarness.DeviceSecret, ["TOKENTRACE_DEVICE"] = "build box" };

        var run = await CliRunner.RunAsync(home.Path, environment, Limit,
            "record", "--model", "gpt-4o", "--input", "100", "--output", "50", "--project", "ci", "--ledger", server.Address.ToString());

        Assert.True(run.ExitCode == 0, run.Error);
        var stored = new List<UsageRecord>();
        await foreach (var record in server.Ledger.ReadAsync(UsageQuery.All))
        {
            stored.Add(record);
        }

        var only = Assert.Single(stored);
        Assert.Equal("dev-ci", only.Attribution.Tags[ServerHeaders.DeviceTag]);
        Assert.Equal("build box", only.Attribution.Tags[ServerHeaders.DeviceNameTag]);
    }

    /// <summary>A server holding 3 docs, 2 web, 1 Claude and 1 unpriced record (sent through its API, so priced and estimated there) and one total budget.</summary>
    internal static async Task<ServerHarness> SeededServerAsync()
    {
        var server = await ServerHarness.StartAsync();
        using var writer = server.Client(ServerHarness.WriteSecret);
        var records = TestRecords.Many("docs", 3, "docs")
            .Concat(TestRecords.Many("web", 2, "web"))
            .Append(TestRecords.Make("claude-1", 7, "web", "claude-sonnet-4-5"))
            .Append(TestRecords.Make("unknown-1", 8, "docs", "a-model-nobody-prices"));
        await IngestTests.SendAsync(writer, IngestTests.Post(Encoding.UTF8.GetBytes(TestRecords.Jsonl(records)), "application/x-ndjson"), HttpStatusCode.OK);
        await server.Ledger.GetService<IBudgetStore>()!.SaveBudgetAsync(new Budget { Name = "all-time", Period = BudgetPeriod.Parse("total"), Limit = 1m, Mode = BudgetMode.Hard });
        return server;
    }

    private static Task<(int ExitCode, string Out, string Error)> RunAsync(ServerHarness server, string? token, params string[] args) =>
        CliRunner.RunAsync(server.Folder.Path, new Dictionary<string, string?> { ["TOKENTRACE_TOKEN"] = token, ["TOKENTRACE_NOW"] = Now }, Limit, args);
}
