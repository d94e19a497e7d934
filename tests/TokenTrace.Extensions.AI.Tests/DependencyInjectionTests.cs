using TokenTrace.Examples.ModelServer;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using TokenTrace.Extensions.AI.Tests.Fakes;
using TokenTrace.Hosting;
using TokenTrace.Tests;

namespace TokenTrace.Extensions.AI.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task UseTokenTrace_takes_the_tracker_AddTokenTrace_registered_and_the_registered_budgets()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        using var temp = new TempDirectory();
        var services = new ServiceCollection();
        services.AddTokenTrace(o =>
        {
            o.Ledger = "sqlite:" + temp.File("usage.db");
            o.DefaultAttribution.Project = "from-config";
        });
        services.AddSingleton(provider => BudgetEnforcer.For(provider.GetRequiredService<TokenTracker>(),
            [new Budget { Name = "tiny", Limit = 1, Unit = BudgetUnit.Tokens, Period = BudgetPeriod.Parse("total"), Mode = BudgetMode.Hard }]));
        services.AddChatClient(server.ChatClient()).UseFunctionInvocation().UseTokenTrace();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();

        // The registered budget allows 1 token in total: the default estimate of any call is more than that.
        await Assert.ThrowsAsync<BudgetExceededException>(() => client.GetResponseAsync([new(ChatRole.User, "Say hello.")]));
        Assert.Equal(0, server.ChatRequests);

        var tracking = client.GetService<TokenTraceChatClient>()!;
        tracking.Budgets = null;
        await client.GetResponseAsync([new(ChatRole.User, "Say hello.")]);

        var tracker = provider.GetRequiredService<TokenTracker>();
        Assert.Same(tracker, tracking.Tracker);
        await tracker.FlushAsync();
        var record = Assert.Single(await tracker.Ledger.ReadAsync(UsageQuery.All).ToListAsync());
        Assert.Equal("from-config", record.Attribution.Project);
        Assert.Equal(1500, record.Tokens.Total);
    }
}
