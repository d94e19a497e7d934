using TokenTrace.Examples.ModelServer;
using TokenTrace.Extensions.AI;
using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.SemanticKernel.Tests;

/// <summary>examples/SemanticKernel, run as a process with <c>--ledger sqlite:FILE</c>, its ledger read back.</summary>
public sealed class SemanticKernelExampleTests
{
    [Fact]
    public async Task The_example_leaves_priced_records_attributed_to_the_scope_and_tagged_with_each_function()
    {
        using var temp = new TempDirectory();
        var file = temp.File("sk.db");

        var (exitCode, output, error) = await ExampleProcess.RunAsync(temp.Path, "--ledger", "sqlite:" + file);

        Assert.True(exitCode == 0, $"exit {exitCode}: {error}");
        Assert.Contains("Writer.forecast: It is sunny.", output, StringComparison.Ordinal);
        await using var ledger = new SqliteUsageLedger(file);
        var records = await ledger.ReadAsync(UsageQuery.All).ToListAsync();
        Assert.Equal(4, records.Count);
        Assert.All(records, r =>
        {
            Assert.Equal("openai", r.Provider);
            Assert.Equal(LoopbackModelServer.ServedModel, r.Model);
            Assert.Equal("newsletter-writer", r.Attribution.Agent);
            Assert.Equal("newsletter-2026-12-07", r.Attribution.Session);
            Assert.Equal("semantic-kernel", r.Attribution.Job);
            Assert.Equal(TokenTraceKernelTags.KernelUsage, r.Attribution.Tags[TokenTraceTags.Usage]);
        });

        var greet = records.Where(r => r.Attribution.Tags[TokenTraceKernelTags.Function] == "Writer.greet").OrderBy(r => r.Tokens.Input).ToList();
        Assert.Equal(2, greet.Count);
        // JSON: prompt 1200 (1024 cached), completion 300 → 176 × 0.15 + 1024 × 0.075 + 300 × 0.60 = 283.2 µ$.
        Assert.Equal(new TokenCounts { Input = 176, CacheRead = 1024, Output = 300, Reasoning = 128 }, greet[0].Tokens);
        Assert.Equal(0.0002832m, greet[0].CostUsd);
        // SSE: prompt 800 (512 cached), completion 120 → 288 × 0.15 + 512 × 0.075 + 120 × 0.60 = 153.6 µ$.
        Assert.Equal(new TokenCounts { Input = 288, CacheRead = 512, Output = 120 }, greet[1].Tokens);
        Assert.Equal(0.0001536m, greet[1].CostUsd);

        // The automatic tool loop: the call of get_weather (100, 20) and the answer after it (150, 30), once each:
        // 27 µ$ + 40.5 µ$.
        var forecast = records.Where(r => r.Attribution.Tags[TokenTraceKernelTags.Function] == "Writer.forecast").OrderBy(r => r.Tokens.Input).ToList();
        Assert.Equal([new TokenCounts { Input = 100, Output = 20 }, new TokenCounts { Input = 150, Output = 30 }], forecast.Select(r => r.Tokens));
        Assert.Equal([0.000027m, 0.0000405m], forecast.Select(r => r.CostUsd));
        Assert.Contains("4 records, 0.0005043 USD", output, StringComparison.Ordinal);
    }
}
