using System.Text.Json;
using Microsoft.Data.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary><c>tokentrace doctor --rebuild-sums</c> in the real program: sums rebuilt where a ledger keeps them, a plain note where it keeps none.</summary>
public sealed class DoctorRebuildSumsCliTests
{
    private static async Task<long> InputTokensAsync(string home, string spec)
    {
        var summary = await CliRunner.RunAsync(home, "summary", "--ledger", spec, "--by", "model", "--format", "json");
        Assert.True(summary.ExitCode == 0, summary.Error);
        return JsonDocument.Parse(summary.Out).RootElement.GetProperty("total").GetProperty("inputTokens").GetInt64();
    }

    [Fact]
    public async Task Doctor_rebuild_sums_makes_a_corrupted_sqlite_rollup_match_the_records_again()
    {
        using var home = new TempDirectory();
        var path = home.File("usage.db");
        var spec = "sqlite:" + path;
        foreach (var (id, at) in new[] { ("c1", "2026-11-02T09:00:00Z"), ("c2", "2026-11-02T10:00:00Z") })
        {
            var record = await CliRunner.RunAsync(home.Path, "record", "--ledger", spec, "--model", "gpt-4o", "--input", "1000", "--output", "0", "--id", id, "--at", at);
            Assert.True(record.ExitCode == 0, record.Error);
        }

        // Two records of 1,000 input tokens: 2,000. The hourly rollup, corrupted by hand, says 2,000 + 2 × 999.
        Assert.Equal(2_000, await InputTokensAsync(home.Path, spec));
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var corrupt = connection.CreateCommand();
            corrupt.CommandText = "UPDATE usage_rollup SET input = input + 999";
            Assert.Equal(2, corrupt.ExecuteNonQuery());
        }

        Assert.Equal(3_998, await InputTokensAsync(home.Path, spec));
        var rebuilt = await CliRunner.RunAsync(home.Path, "doctor", "--rebuild-sums", "--ledger", spec);
        Assert.True(rebuilt.ExitCode == 0, rebuilt.Out + rebuilt.Error);
        Assert.Contains("from 2 record(s)", rebuilt.Error, StringComparison.Ordinal);
        Assert.Equal(2_000, await InputTokensAsync(home.Path, spec));
    }

    [Fact]
    public async Task Doctor_rebuild_sums_on_a_ledger_without_sums_says_so_and_succeeds()
    {
        using var home = new TempDirectory();
        var spec = "jsonl:" + home.File("usage");
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "record", "--ledger", spec, "--model", "gpt-4o", "--input", "10")).ExitCode);
        var doctor = await CliRunner.RunAsync(home.Path, "doctor", "--rebuild-sums", "--ledger", spec);
        Assert.True(doctor.ExitCode == 0, doctor.Out + doctor.Error);
        Assert.Contains("keeps no sums beside its records", doctor.Error, StringComparison.Ordinal);
    }
}
