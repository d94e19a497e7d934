using System.Text.Json;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

public sealed class CliTests(HostileInputTests.OneKeptRecord seeded) : IClassFixture<HostileInputTests.OneKeptRecord>
{
    private static JsonElement Total(string json) => JsonDocument.Parse(json).RootElement.GetProperty("total");

    [Fact]
    public async Task Record_then_summary_reports_the_cost_in_the_default_sqlite_ledger()
    {
        using var home = new TempDirectory();
        var record = await CliRunner.RunAsync(home.Path, "record", "--model", "claude-sonnet-4-5", "--input", "200000", "--output", "0", "--project", "docs");
        Assert.Equal(0, record.ExitCode);
        Assert.True(File.Exists(home.File("usage.db")));
        var summary = await CliRunner.RunAsync(home.Path, "summary", "--by", "model", "--format", "json");
        Assert.Equal(0, summary.ExitCode);
        var total = Total(summary.Out);
        Assert.Equal(0.6m, total.GetProperty("costUsd").GetDecimal());
        Assert.Equal(200000, total.GetProperty("inputTokens").GetInt64());
        Assert.Equal(0, total.GetProperty("unpricedRecords").GetInt64());
        Assert.Equal("claude-sonnet-4-5", JsonDocument.Parse(summary.Out).RootElement.GetProperty("rows")[0].GetProperty("key").GetProperty("model").GetString());
    }

    [Fact]
    public async Task An_unknown_model_is_recorded_with_a_warning_and_listed_as_unpriced()
    {
        using var home = new TempDirectory();
        var record = await CliRunner.RunAsync(home.Path, "record", "--model", "mystery-9000", "--input", "10");
        Assert.Equal(0, record.ExitCode);
        Assert.Contains("warning", record.Error, StringComparison.Ordinal);
        Assert.Contains("mystery-9000", record.Error, StringComparison.Ordinal);
        var summary = await CliRunner.RunAsync(home.Path, "summary", "--format", "json");
        Assert.Equal(1, Total(summary.Out).GetProperty("unpricedRecords").GetInt64());
        var doctor = await CliRunner.RunAsync(home.Path, "doctor");
        Assert.Equal(0, doctor.ExitCode);
        Assert.Contains("mystery-9000", doctor.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("record", "--model", "gpt-4o", "--input", "-5")]
    [InlineData("record", "--model", "gpt-4o", "--output", "1", "--reasoning", "5")]
    [InlineData("summary", "--by", "colour")]
    [InlineData("summary", "--since", "yesterday-ish")]
    [InlineData("record", "--input", "1")]
    public async Task Bad_input_exits_2_with_a_message_and_loses_nothing(params string[] args)
    {
        using var home = seeded.Copy(); // one gpt-4o record, id keep-me
        var result = await CliRunner.RunAsync(home.Path, args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error", result.Error, StringComparison.Ordinal);
        var summary = await CliRunner.RunAsync(home.Path, "summary", "--format", "json");
        Assert.Equal(1, Total(summary.Out).GetProperty("records").GetInt64());
    }

    [Fact]
    public async Task A_malformed_config_names_its_line_and_exits_2()
    {
        using var home = new TempDirectory();
        await File.WriteAllTextAsync(home.File("tokentrace.yaml"), "ledger: sqlite:x.db\nprices:\n  overrides:\n    m:\n      input: lots\n");
        var result = await CliRunner.RunAsync(home.Path, "summary");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("tokentrace.yaml:5:", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_database_is_named_and_exits_2()
    {
        using var home = new TempDirectory();
        await File.WriteAllTextAsync(home.File("usage.db"), "SQLite format 3\0 cut short");
        var result = await CliRunner.RunAsync(home.Path, "summary");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(home.File("usage.db"), result.Error.Replace("\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sqlite:{0}/shared.db")]
    [InlineData("jsonl:{0}/shared")]
    [InlineData("csv:{0}/shared.csv")]
    public async Task Several_processes_recording_at_once_lose_and_duplicate_nothing(string specFormat)
    {
        using var home = new TempDirectory();
        var spec = string.Format(System.Globalization.CultureInfo.InvariantCulture, specFormat, home.Path);
        const int processes = 4, perProcess = 6;
        var runs = Enumerable.Range(0, processes).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perProcess; i++)
            {
                var result = await CliRunner.RunAsync(home.Path, "record", "--ledger", spec, "--model", "gpt-4o", "--input", "1000", "--job", $"p{p}", "--quiet");
                Assert.Equal(0, result.ExitCode);
            }
        }));
        await Task.WhenAll(runs);
        var summary = await CliRunner.RunAsync(home.Path, "summary", "--ledger", spec, "--by", "job", "--format", "json");
        Assert.Equal(processes * perProcess, Total(summary.Out).GetProperty("records").GetInt64());
        Assert.Equal(processes * perProcess * 0.0025m, Total(summary.Out).GetProperty("costUsd").GetDecimal());
        var doctor = await CliRunner.RunAsync(home.Path, "doctor", "--ledger", spec);
        Assert.Equal(0, doctor.ExitCode);
        Assert.Contains("healthy", doctor.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_and_import_move_every_record_between_ledgers_and_import_is_idempotent()
    {
        using var home = new TempDirectory();
        await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "10", "--project", "=evil,\"x\"\nline", "--tag", "team=a");
        await CliRunner.RunAsync(home.Path, "record", "--model", "claude-haiku-4-5", "--output", "10");
        foreach (var format in new[] { "csv", "jsonl" })
        {
            var file = home.File("export." + format);
            Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "export", "--to", format, "-o", file)).ExitCode);
            var target = $"jsonl:{home.Path}/copy-{format}";
            Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "import", file, "--ledger", target)).ExitCode);
            var again = await CliRunner.RunAsync(home.Path, "import", file, "--ledger", target, "--format", "json");
            Assert.Equal(0, JsonDocument.Parse(again.Out).RootElement.GetProperty("added").GetInt32());
            var original = await CliRunner.RunAsync(home.Path, "export", "--to", "jsonl");
            var copy = await CliRunner.RunAsync(home.Path, "export", "--to", "jsonl", "--ledger", target);
            Assert.Equal(original.Out, copy.Out);
        }
    }

    [Fact]
    public async Task Imported_records_without_cost_or_estimate_are_priced_and_estimated_and_priced_ones_kept()
    {
        using var home = new TempDirectory();
        var file = home.File("bare.jsonl");
        await File.WriteAllTextAsync(file, """
            {"id":"bare","timestamp":"2026-11-20T10:00:00Z","model":"gpt-4o","input":1000,"region":"eu-north-1"}
            {"id":"kept","timestamp":"2026-11-20T11:00:00Z","model":"gpt-4o","input":1000,"costUsd":9}

            """);
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "import", file)).ExitCode);
        var rows = JsonDocument.Parse((await CliRunner.RunAsync(home.Path, "summary", "--by", "region", "--format", "json")).Out).RootElement.GetProperty("rows")
            .EnumerateArray().ToDictionary(r => r.GetProperty("key").GetProperty("region").GetString()!);
        Assert.Equal(0.0025m, rows["eu-north-1"].GetProperty("costUsd").GetDecimal());
        Assert.True(rows["eu-north-1"].GetProperty("energyWh").GetDouble() > 0);
        Assert.Equal(9m, rows["US"].GetProperty("costUsd").GetDecimal()); // its own cost kept; estimated with the provider's default region
    }

    [Fact]
    public async Task Import_of_a_file_with_a_bad_line_names_it_and_imports_nothing()
    {
        using var home = new TempDirectory();
        var file = home.File("bad.jsonl");
        await File.WriteAllTextAsync(file, """
            {"id":"a","timestamp":"2026-11-20T10:00:00Z","model":"gpt-4o","input":5}
            {"id":"b","timestamp":"2026-11-20T10:00:00Z","model":"gpt-4o","input":"five"}

            """);
        var result = await CliRunner.RunAsync(home.Path, "import", file);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("bad.jsonl:2", result.Error, StringComparison.Ordinal);
        Assert.Contains("input", result.Error, StringComparison.Ordinal);
        var summary = await CliRunner.RunAsync(home.Path, "summary", "--format", "json");
        Assert.Equal(0, Total(summary.Out).GetProperty("records").GetInt64());
    }

    [Fact]
    public async Task Reprice_applies_a_new_override_to_stored_records()
    {
        using var home = new TempDirectory();
        await CliRunner.RunAsync(home.Path, "record", "--model", "house-model", "--input", "1000000");
        await File.WriteAllTextAsync(home.File("tokentrace.yaml"), "prices:\n  overrides:\n    house-model:\n      input: 2\n      output: 8\n");
        var reprice = await CliRunner.RunAsync(home.Path, "reprice", "--format", "json");
        Assert.Equal(1, JsonDocument.Parse(reprice.Out).RootElement.GetProperty("changed").GetInt32());
        var summary = await CliRunner.RunAsync(home.Path, "summary", "--format", "json");
        Assert.Equal(2m, Total(summary.Out).GetProperty("costUsd").GetDecimal());
        Assert.Equal(1000000, Total(summary.Out).GetProperty("inputTokens").GetInt64());
    }

    [Fact]
    public async Task Prices_show_explains_the_resolution_and_every_command_has_help_with_an_example()
    {
        using var home = new TempDirectory();
        var show = await CliRunner.RunAsync(home.Path, "prices", "show", "anthropic/claude-sonnet-4-5-20250929", "--format", "json");
        Assert.Equal(0, show.ExitCode);
        Assert.Equal("claude-sonnet-4-5", JsonDocument.Parse(show.Out).RootElement.GetProperty("price").GetProperty("name").GetString());
        Assert.Equal(2, (await CliRunner.RunAsync(home.Path, "prices", "show", "nothing-like-it")).ExitCode);
        foreach (var command in new[] { "record", "summary", "by-job", "prices", "reprice", "export", "import", "doctor", "rotate" })
        {
            var help = await CliRunner.RunAsync(home.Path, command, "--help");
            Assert.Equal(0, help.ExitCode);
            Assert.Contains("tokentrace " + command.Split(' ')[0], help.Out, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Prices_import_reads_a_catalogue_over_http_on_loopback()
    {
        var path = SharedData.Find("litellm/model_prices_and_context_window.json");
        Assert.NotNull(path);
        using var home = new TempDirectory();
        using var listener = new System.Net.HttpListener();
        var port = System.Net.Sockets.TcpListener.Create(0) is var probe ? StartAndStop(probe) : 0;
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var serve = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            var bytes = await File.ReadAllBytesAsync(path);
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        });
        var result = await CliRunner.RunAsync(home.Path, "prices", "import", $"http://127.0.0.1:{port}/prices.json", "--allow-insecure-http");
        await serve;
        Assert.Equal(0, result.ExitCode);
        Assert.True(File.Exists(Path.Combine(home.Path, "prices", "litellm.json")));
        var show = await CliRunner.RunAsync(home.Path, "prices", "show", "groq/llama-3.3-70b-versatile", "--format", "json");
        Assert.Equal("litellm:litellm.json", JsonDocument.Parse(show.Out).RootElement.GetProperty("price").GetProperty("catalog").GetString());
    }

    private static int StartAndStop(System.Net.Sockets.TcpListener probe)
    {
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}

public sealed class DoctorRepairTests
{
    [Fact]
    public async Task A_truncated_jsonl_ledger_is_reported_with_file_and_line_then_repaired_without_losing_a_line()
    {
        using var home = new TempDirectory();
        var spec = $"jsonl:{home.Path}/usage";
        await CliRunner.RunAsync(home.Path, "record", "--ledger", spec, "--model", "gpt-4o", "--input", "10", "--at", "2026-11-20T10:00:00Z");
        await CliRunner.RunAsync(home.Path, "record", "--ledger", spec, "--model", "gpt-4o", "--input", "20", "--at", "2026-11-20T11:00:00Z");
        var file = Path.Combine(home.Path, "usage", "2026-11-20.jsonl");
        var bytes = await File.ReadAllBytesAsync(file);
        await File.WriteAllBytesAsync(file, bytes[..^15]);

        var summary = await CliRunner.RunAsync(home.Path, "summary", "--ledger", spec, "--format", "json");
        Assert.Equal(0, summary.ExitCode);
        Assert.Contains($"{file}:2", summary.Error.Replace("\n", "", StringComparison.Ordinal), StringComparison.Ordinal);

        var doctor = await CliRunner.RunAsync(home.Path, "doctor", "--ledger", spec);
        Assert.Equal(2, doctor.ExitCode);
        Assert.Contains("torn", doctor.Out, StringComparison.Ordinal);

        var repaired = await CliRunner.RunAsync(home.Path, "doctor", "--repair", "--ledger", spec);
        Assert.Equal(0, repaired.ExitCode);
        Assert.True(File.Exists(file + ".rejected"));
        var fragment = bytes[(Array.IndexOf(bytes, (byte)'\n') + 1)..^15];
        var rejected = await File.ReadAllBytesAsync(file + ".rejected");
        Assert.Equal(fragment.Append((byte)'\n').ToArray(), rejected);
        var after = await CliRunner.RunAsync(home.Path, "summary", "--ledger", spec, "--format", "json");
        Assert.Equal(1, System.Text.Json.JsonDocument.Parse(after.Out).RootElement.GetProperty("total").GetProperty("records").GetInt64());
        Assert.Equal("", after.Error);
    }
}

public sealed class ReportingCommandTests
{
    [Fact]
    public async Task By_job_reports_only_that_job_by_model()
    {
        using var home = new TempDirectory();
        await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "1000", "--job", "etl");
        await CliRunner.RunAsync(home.Path, "record", "--model", "claude-haiku-4-5", "--output", "1000", "--job", "etl");
        await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "999999", "--job", "other");
        var result = await CliRunner.RunAsync(home.Path, "by-job", "etl", "--format", "json");
        Assert.Equal(0, result.ExitCode);
        var root = System.Text.Json.JsonDocument.Parse(result.Out).RootElement;
        Assert.Equal(2, root.GetProperty("rows").GetArrayLength());
        Assert.Equal(0.0025m + 0.005m, root.GetProperty("total").GetProperty("costUsd").GetDecimal());
    }

    [Fact]
    public async Task Prices_list_shows_the_catalogue_and_summary_renders_every_format()
    {
        using var home = new TempDirectory();
        var list = await CliRunner.RunAsync(home.Path, "prices", "list", "--format", "json");
        Assert.True(System.Text.Json.JsonDocument.Parse(list.Out).RootElement.GetProperty("prices").GetArrayLength() >= 60);
        await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "1000", "--project", "=a,b");
        var csv = await CliRunner.RunAsync(home.Path, "summary", "--by", "project", "--format", "csv");
        Assert.StartsWith("project,records,inputTokens,", csv.Out, StringComparison.Ordinal);
        Assert.Contains("\"'=a,b\",1,", csv.Out, StringComparison.Ordinal);
        var markdown = await CliRunner.RunAsync(home.Path, "summary", "--by", "project", "--format", "markdown");
        Assert.Contains("| =a,b | 1 |", markdown.Out, StringComparison.Ordinal);
        var table = await CliRunner.RunAsync(home.Path, "summary", "--by", "project");
        Assert.Contains("$0.0025", table.Out, StringComparison.Ordinal);
    }
}

public sealed class CarbonCommandTests
{
    [Fact]
    public async Task The_worked_example_prints_the_digits_the_methodology_shows()
    {
        using var home = new TempDirectory();
        var result = await CliRunner.RunAsync(home.Path, "carbon", "--explain", "gpt-4o", "--input", "1000", "--output", "500", "--region", "eu-north-1");
        Assert.Equal(0, result.ExitCode);
        var methodology = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "docs", "methodology", "carbon.md"));
        // December 2026: prompt attention and FP8 matrix multiplications for FP8 weights (carbon.md §1, §3) changed 2.371 s / 653.8 mWh.
        foreach (var figure in new[] { "2.122 s", "585.2 mWh", "227.7 mWh", "2.517 Wh", "1.598 mg", "6 to hold the weights" })
        {
            Assert.Contains(figure, result.Out, StringComparison.Ordinal);
            Assert.Contains(figure, methodology, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Recorded_calls_carry_energy_and_emissions_into_summary_export_and_the_carbon_view()
    {
        using var home = new TempDirectory();
        await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "1000", "--output", "500", "--region", "eu-north-1", "--project", "a");
        await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "1000", "--output", "500", "--region", "ap-south-1", "--project", "b");
        var summary = System.Text.Json.JsonDocument.Parse((await CliRunner.RunAsync(home.Path, "summary", "--by", "region", "--format", "json")).Out).RootElement;
        var rows = summary.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("key").GetProperty("region").GetString()!);
        Assert.True(rows["ap-south-1"].GetProperty("co2eGrams").GetDouble() > 100 * rows["eu-north-1"].GetProperty("co2eGrams").GetDouble());
        Assert.Equal(rows["ap-south-1"].GetProperty("energyWh").GetDouble(), rows["eu-north-1"].GetProperty("energyWh").GetDouble());
        Assert.True(summary.GetProperty("total").GetProperty("energyWhLow").GetDouble() < summary.GetProperty("total").GetProperty("energyWhHigh").GetDouble());

        var csv = await CliRunner.RunAsync(home.Path, "export", "--to", "csv");
        Assert.Contains(",eu-north-1,", csv.Out, StringComparison.Ordinal);

        var carbon = System.Text.Json.JsonDocument.Parse((await CliRunner.RunAsync(home.Path, "carbon", "--by", "project", "--format", "json")).Out).RootElement;
        Assert.True(carbon.GetProperty("equivalences").GetProperty("phoneCharges").GetDouble() > 0);
        Assert.Equal(0, carbon.GetProperty("unestimatedRecords").GetInt64());
        var table = await CliRunner.RunAsync(home.Path, "carbon");
        Assert.Contains("kettle boils", table.Out, StringComparison.Ordinal);
        var regions = await CliRunner.RunAsync(home.Path, "carbon", "--regions", "--format", "csv");
        Assert.Contains("europe-north2,gcp,Stockholm,2.73,", regions.Out, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "TokenTrace.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}

public sealed class BudgetCommandTests
{
    [Fact]
    public async Task A_hard_daily_budget_of_one_dollar_passes_at_90_cents_and_fails_check_after_20_more()
    {
        using var home = new TempDirectory();
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "budget", "set", "daily-cap", "--limit", "1", "--period", "daily", "--hard", "--tz", "UTC")).ExitCode);
        await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "360000"); // $0.90
        var first = await CliRunner.RunAsync(home.Path, "budget", "check", "--format", "json");
        Assert.Equal(0, first.ExitCode);
        var alerts = JsonDocument.Parse(first.Out).RootElement.GetProperty("alerts");
        Assert.Contains(alerts.EnumerateArray(), a => a.GetProperty("type").GetString() == "budget.threshold" && a.GetProperty("thresholdPercent").GetInt32() == 80);

        await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "80000"); // $0.20
        var second = await CliRunner.RunAsync(home.Path, "budget", "check");
        Assert.Equal(3, second.ExitCode);
        Assert.Contains("daily-cap", second.Error, StringComparison.Ordinal);

        var status = JsonDocument.Parse((await CliRunner.RunAsync(home.Path, "budget", "status", "--format", "json")).Out).RootElement.GetProperty("budgets")[0];
        Assert.Equal(1.1m, status.GetProperty("spend").GetDecimal());
        Assert.True(status.GetProperty("exhausted").GetBoolean());

        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "budget", "remove", "daily-cap")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "budget", "check")).ExitCode);
        Assert.Equal(2, (await CliRunner.RunAsync(home.Path, "budget", "remove", "daily-cap")).ExitCode);
    }

    [Fact]
    public async Task Status_shows_the_reservations_in_flight_from_every_process()
    {
        using var home = new TempDirectory();
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "budget", "set", "cap", "--limit", "1", "--period", "total", "--hard")).ExitCode);
        await using var ledger = new TokenTrace.Sqlite.SqliteUsageLedger(Path.Combine(home.Path, "usage.db"));
        using var enforcer = new BudgetEnforcer(ledger, await ledger.ListBudgetsAsync());
        var call = new UsageRecord { Id = "call", Timestamp = DateTimeOffset.UtcNow, Model = "m", Tokens = new TokenCounts { Input = 1 }, CostUsd = 0.25m };
        await using var reservation = await enforcer.ReserveAsync(call);

        var during = JsonDocument.Parse((await CliRunner.RunAsync(home.Path, "budget", "status", "--format", "json")).Out).RootElement.GetProperty("budgets")[0];
        Assert.Equal(0.25m, during.GetProperty("reserved").GetDecimal());
        Assert.Equal(0m, during.GetProperty("spend").GetDecimal());
        var table = (await CliRunner.RunAsync(home.Path, "budget", "status")).Out;
        Assert.Contains("Reserved", table, StringComparison.Ordinal);
        Assert.Contains("$0.25", table, StringComparison.Ordinal);

        await ledger.AppendAsync([call]);
        await reservation.SettleAsync(call);
        var after = JsonDocument.Parse((await CliRunner.RunAsync(home.Path, "budget", "status", "--format", "json")).Out).RootElement.GetProperty("budgets")[0];
        Assert.Equal(0m, after.GetProperty("reserved").GetDecimal());
        Assert.Equal(0.25m, after.GetProperty("spend").GetDecimal());
    }

    [Fact]
    public async Task Budgets_from_the_config_alert_a_webhook_once_per_period()
    {
        using var home = new TempDirectory();
        var port = FreePort();
        using var listener = new System.Net.HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var received = new List<string>();
        var server = Task.Run(async () =>
        {
            while (true)
            {
                var context = await listener.GetContextAsync();
                using var reader = new StreamReader(context.Request.InputStream);
                lock (received)
                {
                    received.Add(context.Request.Headers["X-TokenTrace-Signature"] + " " + reader.ReadToEnd());
                }

                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });
        await File.WriteAllTextAsync(home.File("tokentrace.yaml"), $"""
            budgets:
              - name: tokens-week
                limit: 1000
                unit: tokens
                period: weekly
                scope: {"{"} project: docs {"}"}
                alertAt: [50]
            alerts:
              allowInsecureHttp: true
              webhooks:
                - url: http://127.0.0.1:{port}/
                  secret: topsecret
            """);
        await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "600", "--project", "docs");
        await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "5000", "--project", "web");
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "budget", "check")).ExitCode);
        int afterFirst;
        lock (received)
        {
            afterFirst = received.Count;
        }

        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "budget", "check")).ExitCode);
        lock (received)
        {
            // The 50 % threshold fires once; a forecast alert may join it, depending on how far into the week the test runs.
            Assert.Equal(afterFirst, received.Count);
            var threshold = Assert.Single(received, r => r.Contains("\"type\":\"budget.threshold\"", StringComparison.Ordinal));
            Assert.StartsWith("t=", threshold, StringComparison.Ordinal);
            Assert.Contains("\"budget\":\"tokens-week\"", threshold, StringComparison.Ordinal);
            Assert.Contains("\"spend\":600", threshold, StringComparison.Ordinal);
            Assert.True(received.Count <= 2);
        }
    }

    private static int FreePort()
    {
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}

public sealed class ReportCommandTests(ReportCommandTests.History history) : IClassFixture<ReportCommandTests.History>
{
    /// <summary>
    /// Eleven days of history, every other day from 20 days ago to today (gpt-4o for docs or web by the planner agent, and
    /// claude-haiku-4-5 in three sessions), and a monthly $3 budget: recorded by the CLI once for the class.
    /// </summary>
    public sealed class History : SeededHome
    {
        protected override IEnumerable<string[]> Seed
        {
            get
            {
                var today = DateTime.UtcNow.Date;
                for (var d = 20; d >= 0; d -= 2)
                {
                    var at = today.AddDays(-d).AddHours(9).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
                    yield return ["record", "--model", "gpt-4o", "--input", "100000", "--output", "1000", "--project", d % 4 == 0 ? "docs" : "web", "--agent", "planner", "--job", $"job{d}", "--at", at, "--quiet"];
                    yield return ["record", "--model", "claude-haiku-4-5", "--input", "10000", "--project", "docs", "--session", $"s{d % 3}", "--at", at, "--quiet"];
                }

                yield return ["budget", "set", "month", "--limit", "3", "--period", "monthly", "--tz", "UTC"];
            }
        }
    }

    [Fact]
    public async Task The_html_report_renders_every_chart_in_headless_chromium()
    {
        using var home = history.Copy();
        var file = home.File("report.html");
        var result = await CliRunner.RunAsync(home.Path, "report", "--format", "html", "-o", file, "--tz", "UTC");
        Assert.Equal(0, result.ExitCode);
        var html = await File.ReadAllTextAsync(file);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);

        var dom = await Chromium.DumpDomAsync(file);
        var figures = System.Text.RegularExpressions.Regex.Matches(dom, "<figure class=\"chart\" data-chart=\"([^\"]+)\" data-rendered=\"(true|false)\" data-marks=\"(\\d+)\"");
        var charts = figures.ToDictionary(m => m.Groups[1].Value, m => (Rendered: m.Groups[2].Value == "true", Marks: int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var chart in new[] { "daily-cost", "budget-month", "by-project", "by-agent", "daily-carbon" })
        {
            Assert.True(charts.ContainsKey(chart), $"chart {chart} missing; found {string.Join(", ", charts.Keys)}");
            Assert.True(charts[chart].Rendered && charts[chart].Marks > 0, $"chart {chart} did not render");
        }

        Assert.True(charts["daily-cost"].Marks >= 11, "one bar per day with usage");
        var body = BodyWidths(dom);
        Assert.True(body.Scroll <= body.Viewport, $"the page is {body.Scroll} px wide in a {body.Viewport} px window");
    }

    [Fact]
    public async Task The_html_report_fits_a_390_pixel_phone_with_scaled_units_the_model_table_and_the_previous_period()
    {
        using var home = history.Copy();
        var file = home.File("report.html");
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "report", "--format", "html", "-o", file, "--tz", "UTC")).ExitCode);

        var dom = await Chromium.DumpDomAsync(file, width: 390);
        var body = BodyWidths(dom);
        Assert.Equal(390, body.Viewport);
        Assert.True(body.Scroll <= body.Viewport, $"the page is {body.Scroll} px wide on a 390 px phone");
        var rendered = System.Text.RegularExpressions.Regex.Matches(dom, "data-chart=\"([^\"]+)\" data-rendered=\"(true|false)\"");
        Assert.Equal(5, rendered.Count);
        Assert.All(rendered, m => Assert.True(m.Groups[2].Value == "true", $"chart {m.Groups[1].Value} did not render at 390 px"));

        // Energy and emissions scaled, never "3,076.956 Wh"; the per-model table and the comparison present.
        Assert.Matches("<b>\\d{1,3}(\\.\\d{1,2})? (mWh|Wh|kWh)</b>", dom);
        Assert.Matches("<b>\\d{1,3}(\\.\\d{1,2})? (mg|g|kg)</b>", dom);
        Assert.DoesNotMatch("\\d,\\d{3}(\\.\\d+)? (Wh|g)\\b", dom);
        var models = System.Text.RegularExpressions.Regex.Match(dom, "<table class=\"data models\">.*?</table>", System.Text.RegularExpressions.RegexOptions.Singleline).Value;
        Assert.Contains("<span>gpt-4o</span>", models, StringComparison.Ordinal);
        Assert.Contains("<span>claude-haiku-4-5</span>", models, StringComparison.Ordinal);
        Assert.Contains("data-label=\"Per 1M tokens\"", models, StringComparison.Ordinal);
        Assert.Contains("Compared with the previous period", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("Top agents", dom, StringComparison.Ordinal);

        // The history starts 20 days ago: the 30-day report's chart starts there, not with ten empty days.
        var dailyCost = System.Text.RegularExpressions.Regex.Match(dom, "data-chart=\"daily-cost\".*?</figure>", System.Text.RegularExpressions.RegexOptions.Singleline).Value;
        var firstLabel = System.Text.RegularExpressions.Regex.Match(dailyCost, "<text class=\"x[^\"]*\"[^>]*>([^<]+)</text>").Groups[1].Value;
        Assert.Equal(DateTime.UtcNow.Date.AddDays(-20).ToString("MM-dd", System.Globalization.CultureInfo.InvariantCulture), firstLabel);
    }

    private static (int Viewport, int Scroll) BodyWidths(string dom)
    {
        var body = System.Text.RegularExpressions.Regex.Match(dom, "<body[^>]* data-viewport-width=\"(\\d+)\" data-scroll-width=\"(\\d+)\"");
        Assert.True(body.Success, "the page's script did not run");
        return (int.Parse(body.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(body.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Report_trend_and_forecast_json_is_valid_and_stable()
    {
        using var home = history.Copy();
        var asOf = DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var first = await CliRunner.RunAsync(home.Path, "report", "--format", "json", "--tz", "UTC", "--at", asOf);
        var second = await CliRunner.RunAsync(home.Path, "report", "--format", "json", "--tz", "UTC", "--at", asOf);
        Assert.Equal(first.Out, second.Out);
        var a = JsonDocument.Parse(first.Out).RootElement;
        var b = JsonDocument.Parse(second.Out).RootElement;
        foreach (var property in new[] { "byModel", "byProject", "byAgent", "daily", "budgets", "anomalies", "topJobs", "topSessions", "topAgents" })
        {
            Assert.Equal(a.GetProperty(property).GetRawText(), b.GetProperty(property).GetRawText());
        }

        Assert.Equal(30, a.GetProperty("daily").GetArrayLength());
        Assert.Equal(22, a.GetProperty("byModel").GetProperty("total").GetProperty("records").GetInt64());
        var budget = a.GetProperty("budgets")[0];
        Assert.Equal("month", budget.GetProperty("name").GetString());
        Assert.True(budget.GetProperty("forecast").GetProperty("expected").GetDecimal() >= budget.GetProperty("spend").GetDecimal());
        var topJobs = a.GetProperty("topJobs");
        Assert.True(topJobs[0].GetProperty("costUsd").GetDecimal() >= topJobs[1].GetProperty("costUsd").GetDecimal());

        var trend = JsonDocument.Parse((await CliRunner.RunAsync(home.Path, "trend", "--by", "week", "--since", DateTime.UtcNow.Date.AddDays(-21).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), "--format", "json", "--tz", "UTC")).Out).RootElement;
        Assert.Equal("week", trend.GetProperty("granularity").GetString());
        Assert.True(trend.GetProperty("points").GetArrayLength() >= 3);

        var forecast = JsonDocument.Parse((await CliRunner.RunAsync(home.Path, "forecast", "--period", "weekly", "--project", "docs", "--format", "json", "--tz", "UTC")).Out).RootElement.GetProperty("forecasts")[0];
        Assert.Equal(7, forecast.GetProperty("weekdayMeans").GetArrayLength());
        Assert.True(forecast.GetProperty("low").GetDecimal() <= forecast.GetProperty("expected").GetDecimal());
        Assert.True(forecast.GetProperty("expected").GetDecimal() <= forecast.GetProperty("high").GetDecimal());

        var table = await CliRunner.RunAsync(home.Path, "trend", "--tz", "UTC");
        Assert.Matches("cost [ ▁▂▃▄▅▆▇█]{30}  total \\$", table.Out);
        Assert.Equal(2, (await CliRunner.RunAsync(home.Path, "summary", "--format", "html")).ExitCode);
    }
}

/// <summary>Debian's Chromium, headless, as the machine notes describe (no network, fresh profile).</summary>
internal static class Chromium
{
    /// <summary>
    /// The page's DOM after load, laid out <paramref name="width"/> pixels wide. Headless Chromium will not make a window
    /// narrower than 500 pixels, so a narrower page is loaded in an iframe of that width (file pages may read each
    /// other with --allow-file-access-from-files) and its rendered DOM returned.
    /// </summary>
    public static async Task<string> DumpDomAsync(string file, int width)
    {
        var frame = Path.Combine(Path.GetDirectoryName(file)!, $"frame-{width}.html");
        await File.WriteAllTextAsync(frame, $$"""
            <!DOCTYPE html><html><body style="margin:0"><iframe id="f" src="{{Uri.EscapeDataString(Path.GetFileName(file))}}" style="width:{{width}}px;height:20000px;border:0"></iframe>
            <script>window.addEventListener('load', function () { document.documentElement.innerHTML = document.getElementById('f').contentDocument.documentElement.innerHTML; });</script>
            </body></html>
            """);
        return await DumpDomAsync(frame);
    }

    public static async Task<string> DumpDomAsync(string file)
    {
        var executable = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("Chromium is not installed: .ci/run installs Debian's chromium package (apt-get install chromium)");
        using var profile = new TempDirectory();
        var start = new System.Diagnostics.ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--allow-file-access-from-files", "--user-data-dir=" + profile.Path, "--window-size=1200,2000", "--dump-dom", new Uri(file).AbsoluteUri })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return await output;
    }
}
