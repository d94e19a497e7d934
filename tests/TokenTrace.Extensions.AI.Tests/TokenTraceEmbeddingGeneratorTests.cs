using TokenTrace.Examples.ModelServer;
using Microsoft.Extensions.AI;
using TokenTrace.Extensions.AI.Tests.Fakes;

namespace TokenTrace.Extensions.AI.Tests;

public sealed class TokenTraceEmbeddingGeneratorTests
{
    [Fact]
    public async Task An_embeddings_call_through_the_OpenAI_SDK_is_recorded_and_priced()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        using var generator = server.EmbeddingGenerator().AsBuilder().UseTokenTrace(tracking.Tracker).Build();

        using (UsageScope.Begin(new Attribution { Job = "index" }))
        {
            var embeddings = await generator.GenerateAsync(["first document", "second document"],
                new EmbeddingGenerationOptions { AdditionalProperties = new() { [TokenTraceProperties.Task] = "chunk-1" } });
            Assert.Equal(2, embeddings.Count);
        }

        var record = await tracking.SingleRecordAsync();
        Assert.Equal(UsageOperations.Embeddings, record.Operation);
        Assert.Equal("text-embedding-3-small", record.Model);
        Assert.Equal("openai", record.Provider);
        // 5 prompt tokens per input, two inputs; $0.02 per million.
        Assert.Equal(new TokenCounts { Input = 10 }, record.Tokens);
        Assert.Equal(0.0000002m, record.CostUsd);
        Assert.Equal(new Attribution { Job = "index", Task = "chunk-1" }, record.Attribution);
        Assert.Equal("ok", record.Status);
    }

    [Fact]
    public async Task A_hard_budget_refuses_an_embeddings_call_before_it_is_made()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        using var budgets = BudgetEnforcer.For(tracking.Tracker,
            [new Budget { Name = "embeddings", Limit = 11, Unit = BudgetUnit.Tokens, Period = BudgetPeriod.Parse("total"), Mode = BudgetMode.Hard }]);
        using var generator = server.EmbeddingGenerator().AsBuilder().UseTokenTrace(g =>
        {
            g.Tracker = tracking.Tracker;
            g.Budgets = budgets;
        }).Build();

        // "abcdefgh" is 8 characters: estimated at 2 tokens, recorded at the 5 the server reports. 0 + 2 ≤ 11, then 5 + 2 ≤ 11,
        // then 10 + 2 > 11: refused.
        await generator.GenerateAsync(["abcdefgh"]);
        await generator.GenerateAsync(["abcdefgh"]);
        await Assert.ThrowsAsync<BudgetExceededException>(() => generator.GenerateAsync(["abcdefgh"]));

        Assert.Equal(10, (await tracking.RecordsAsync()).Sum(r => r.Tokens.Total));
    }
}
