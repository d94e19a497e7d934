using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using TokenTrace.Tests;

namespace TokenTrace.PostgreSql.Tests;

/// <summary>The real <c>tokentrace</c> program, in its own process, on a <c>--ledger postgres://…</c> ledger.</summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class CliOnPostgreSqlTests(PostgreSqlServer server)
{
    private static readonly string Cli = typeof(CliOnPostgreSqlTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Cli").Value!;

    [Fact]
    public async Task Record_import_and_summary_work_on_a_postgres_ledger_and_count_each_id_once()
    {
        using var home = new TempDirectory();
        var ledger = server.Spec(await server.CreateDatabaseAsync());

        // claude-sonnet-4-5 input is $3 per million tokens: 200,000 tokens cost $0.60. Recorded twice under one id: once.
        string[] call = ["record", "--ledger", ledger, "--model", "claude-sonnet-4-5", "--input", "200000", "--output", "0", "--project", "docs", "--id", "call-1"];
        Assert.Equal(0, (await RunAsync(home.Path, call)).ExitCode);
        Assert.Equal(0, (await RunAsync(home.Path, call)).ExitCode);

        // gpt-4o input is $2.50 per million tokens: two records of 1,000 tokens cost $0.0025 each. Imported twice: once.
        var file = home.File("calls.jsonl");
        await File.WriteAllTextAsync(file, """
            {"id":"imp-1","timestamp":"2026-11-20T10:00:00Z","model":"gpt-4o","provider":"openai","input":1000,"project":"web"}
            {"id":"imp-2","timestamp":"2026-12-01T10:00:00Z","model":"gpt-4o","provider":"openai","input":1000,"project":"web"}

            """);
        var first = await RunAsync(home.Path, "import", file, "--ledger", ledger, "--format", "json");
        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Equal(2, JsonDocument.Parse(first.Out).RootElement.GetProperty("added").GetInt32());
        var again = await RunAsync(home.Path, "import", file, "--ledger", ledger, "--format", "json");
        Assert.Equal(0, JsonDocument.Parse(again.Out).RootElement.GetProperty("added").GetInt32());

        var summary = await RunAsync(home.Path, "summary", "--ledger", ledger, "--by", "project", "--format", "json");
        Assert.True(summary.ExitCode == 0, summary.Error);
        var root = JsonDocument.Parse(summary.Out).RootElement;
        var total = root.GetProperty("total");
        Assert.Equal(3, total.GetProperty("records").GetInt64());
        Assert.Equal(202_000, total.GetProperty("inputTokens").GetInt64());
        Assert.Equal(0.605m, total.GetProperty("costUsd").GetDecimal());
        var rows = root.GetProperty("rows").EnumerateArray().Select(r => (r.GetProperty("key").GetProperty("project").GetString(), r.GetProperty("costUsd").GetDecimal())).ToList();
        Assert.Equal([("docs", 0.6m), ("web", 0.005m)], rows);

        var doctor = await RunAsync(home.Path, "doctor", "--ledger", ledger);
        Assert.True(doctor.ExitCode == 0, doctor.Out + doctor.Error);
    }

    internal static async Task<(int ExitCode, string Out, string Error)> RunAsync(string home, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = home };
        start.ArgumentList.Add(Cli);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["TOKENTRACE_HOME"] = home;
        start.Environment["TOKENTRACE_LEDGER"] = null;
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
