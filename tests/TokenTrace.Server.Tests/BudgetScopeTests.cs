using System.Net;
using System.Text.Json;

namespace TokenTrace.Server.Tests;

/// <summary>Every budget API shows a project-bound token its project's budgets only, and every read API refuses the same way.</summary>
public sealed class BudgetScopeTests
{
    [Fact]
    public async Task A_project_bound_read_token_sees_its_project_budgets_only_on_every_budget_api()
    {
        await using var server = await ServerHarness.StartAsync();
        var store = server.Ledger.GetService<IBudgetStore>()!;
        await store.SaveBudgetAsync(new Budget { Name = "checkout-budget", Period = BudgetPeriod.Parse("total"), Limit = 1m, Scope = UsageQuery.All with { Project = "checkout" } });
        await store.SaveBudgetAsync(new Budget { Name = "search-budget", Period = BudgetPeriod.Parse("total"), Limit = 1m, Scope = UsageQuery.All with { Project = "search" } });
        await store.SaveBudgetAsync(new Budget { Name = "company", Period = BudgetPeriod.Parse("total"), Limit = 5m });
        using var checkout = server.Client(ServerHarness.ProjectReadSecret);
        using var reader = server.Client(ServerHarness.ReadSecret);

        static List<string> Names(JsonElement list) => [.. list.EnumerateArray().Select(b => b.TryGetProperty("name", out var n) ? n.GetString()! : b.GetProperty("budget").GetProperty("name").GetString()!)];

        // The project-bound token: checkout's budget, never search's nor the company-wide one.
        Assert.Equal(["checkout-budget"], Names(JsonDocument.Parse(await checkout.GetStringAsync("v1/budgets")).RootElement.GetProperty("budgets")));
        Assert.Equal(["checkout-budget"], Names(JsonDocument.Parse(await checkout.GetStringAsync("v1/budgets/definitions")).RootElement.GetProperty("budgets")));
        Assert.Equal(["checkout-budget"], Names(JsonDocument.Parse(await checkout.GetStringAsync("v1/report?days=1")).RootElement.GetProperty("budgets")));
        // An unbound read token sees all three, by name.
        Assert.Equal(["checkout-budget", "company", "search-budget"], Names(JsonDocument.Parse(await reader.GetStringAsync("v1/budgets")).RootElement.GetProperty("budgets")));
    }

    [Fact]
    public async Task A_refused_read_through_request_is_logged_as_the_others_are()
    {
        await using var server = await ServerHarness.StartAsync();
        using var anonymous = server.Client(null);
        using var response = await anonymous.GetAsync("v1/budgets/definitions");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(server.Logs.Collector.GetSnapshot(), l => l.Message.Contains("Refused GET /v1/budgets/definitions", StringComparison.Ordinal));
    }
}
