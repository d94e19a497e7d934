using TokenTrace.Tests;

namespace TokenTrace.Examples.Tests;

/// <summary>
/// Each example, run as its own process with <c>--ledger sqlite:FILE</c>, leaves priced records that the real CLI reads
/// back with the right provider, model, attribution and cost. The loopback server's canned usage
/// (examples/TokenTrace.Examples.ModelServer) and the built-in catalogue give the figures:
/// <list type="bullet">
/// <item>gpt-4o-mini JSON: 1200 prompt (1024 cached) → 176 input + 1024 cache read, 300 output (128 reasoning):
/// 176×$0.15 + 1024×$0.075 + 300×$0.60 per million = 26.4 + 76.8 + 180 = 283.2 µ$;</item>
/// <item>gpt-4o-mini SSE: 800 prompt (512 cached) → 288 + 512, 120 output: 43.2 + 38.4 + 72 = 153.6 µ$;</item>
/// <item>claude-sonnet-4-5: 100 input, 2000 cache read, 300 5-minute cache write, 80 output:
/// 100×$3 + 2000×$0.30 + 300×$3.75 + 80×$15 per million = 300 + 600 + 1125 + 1200 = 3225 µ$.</item>
/// </list>
/// </summary>
public sealed class ExampleRunTests
{
    private const string OpenAIModel = "gpt-4o-mini-2024-07-18";
    private const string AnthropicModel = "claude-sonnet-4-5-20250929";

    [Fact]
    public async Task Basic_leaves_its_three_calls_priced_and_attributed_to_its_scope()
    {
        using var home = new TempDirectory();
        var ledger = home.File("usage.db");

        var output = await DotnetProcess.RunToSuccessAsync("TokenTrace.Examples.Basic.dll", home.Path, "--ledger", "sqlite:" + ledger);

        var byModel = await LedgerSummary.RowsAsync(home.Path, ledger, "model");
        Assert.Equal(2, byModel.Count);
        // OpenAI JSON + streamed: 283.2 + 153.6 = 436.8 µ$; 176 + 288 = 464 input, 1024 + 512 = 1536 cache read, 300 + 120 = 420 output.
        Assert.Equal(2, byModel[OpenAIModel].GetProperty("records").GetInt64());
        Assert.Equal(464, byModel[OpenAIModel].GetProperty("inputTokens").GetInt64());
        Assert.Equal(1536, byModel[OpenAIModel].GetProperty("cacheReadTokens").GetInt64());
        Assert.Equal(420, byModel[OpenAIModel].GetProperty("outputTokens").GetInt64());
        Assert.Equal(0.0004368m, byModel[OpenAIModel].GetProperty("costUsd").GetDecimal());
        Assert.Equal(1, byModel[AnthropicModel].GetProperty("records").GetInt64());
        Assert.Equal(300, byModel[AnthropicModel].GetProperty("cacheWriteTokens").GetInt64());
        Assert.Equal(0.003225m, byModel[AnthropicModel].GetProperty("costUsd").GetDecimal());

        var attributed = await LedgerSummary.RowsAsync(home.Path, ledger, "provider", "model", "project", "job", "user");
        Assert.Equal(
            [$"anthropic|{AnthropicModel}|atlas|daily-digest|ada", $"openai|{OpenAIModel}|atlas|daily-digest|ada"],
            attributed.Keys.Order(StringComparer.Ordinal));
        // 3 calls, 1500 + 920 + 2480 = 4900 tokens, 436.8 + 3225 = 3661.8 µ$, printed to 6 places.
        Assert.Contains("Job daily-digest: 3 calls, 4900 tokens, $0.003662", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Budgets_refuses_the_call_that_would_cross_the_hard_budget_and_warns_past_the_soft_one()
    {
        using var home = new TempDirectory();
        var ledger = home.File("usage.db");

        var output = await DotnetProcess.RunToSuccessAsync("TokenTrace.Examples.Budgets.dll", home.Path, "--ledger", "sqlite:" + ledger);

        // Each call costs 283.2 µ$ and reserves about 180 µ$ first (300 output tokens × $0.60 per million, plus a few input tokens).
        // After 2 calls 566.4 µ$ passes the $0.0005 soft budget: a warning. After 3, 849.6 + ~181 > 1000 µ$: the 4th is refused.
        Assert.Contains("Warning: soft budget 'triage-heads-up'", output, StringComparison.Ordinal);
        Assert.Contains("Ticket 3: Hello there.", output, StringComparison.Ordinal);
        Assert.Contains("Ticket 4: refused, not sent. Budget 'triage-hard-cap'", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Ticket 5", output, StringComparison.Ordinal);

        var byModel = await LedgerSummary.RowsAsync(home.Path, ledger, "model");
        var openai = Assert.Single(byModel);
        Assert.Equal(OpenAIModel, openai.Key);
        // 3 × 283.2 = 849.6 µ$: the refused call was never sent, so never recorded.
        Assert.Equal(3, openai.Value.GetProperty("records").GetInt64());
        Assert.Equal(0.0008496m, openai.Value.GetProperty("costUsd").GetDecimal());

        var attributed = Assert.Single(await LedgerSummary.RowsAsync(home.Path, ledger, "provider", "project", "agent", "job"));
        Assert.StartsWith("openai|helpdesk|triager|ticket-triage-", attributed.Key, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reporting_prints_the_figures_the_cli_summary_gives()
    {
        using var home = new TempDirectory();
        var ledger = home.File("usage.db");

        var output = await DotnetProcess.RunToSuccessAsync("TokenTrace.Examples.Reporting.dll", home.Path, "--ledger", "sqlite:" + ledger);

        var rows = await LedgerSummary.RowsAsync(home.Path, ledger, "provider", "model", "project");
        Assert.Equal(3, rows.Count);
        // atlas: 2 OpenAI JSON calls, 2 × 283.2 = 566.4 µ$, and 1 Anthropic call, 3225 µ$; hermes: 1 OpenAI JSON call, 283.2 µ$.
        Assert.Equal(0.0005664m, rows[$"openai|{OpenAIModel}|atlas"].GetProperty("costUsd").GetDecimal());
        Assert.Equal(0.003225m, rows[$"anthropic|{AnthropicModel}|atlas"].GetProperty("costUsd").GetDecimal());
        Assert.Equal(0.0002832m, rows[$"openai|{OpenAIModel}|hermes"].GetProperty("costUsd").GetDecimal());

        // The example printed the same rows from the library's summary API; total 566.4 + 3225 + 283.2 = 4074.6 µ$ over 4 calls.
        Assert.Matches(@$"{OpenAIModel}\s+atlas\s+2\s+3000\s+0\.0005664", output);
        Assert.Matches(@$"{AnthropicModel}\s+atlas\s+1\s+2480\s+0\.0032250", output);
        Assert.Matches(@$"{OpenAIModel}\s+hermes\s+1\s+1500\s+0\.0002832", output);
        Assert.Matches(@"Total\s+4\s+6980\s+0\.0040746", output);
    }
}
