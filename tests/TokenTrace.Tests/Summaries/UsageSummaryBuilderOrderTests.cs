namespace TokenTrace.Tests;

public sealed class UsageSummaryBuilderOrderTests
{
    private static UsageTotals Totals(decimal cost, long input) =>
        UsageTotals.FromSums(1, input, 0, 0, 0, 0, 0, cost, 0, 0, default, default);

    [Fact]
    public void Without_a_time_dimension_rows_go_by_cost_then_tokens_then_values_and_equal_keys_keep_the_order_they_were_added_in()
    {
        var builder = new UsageSummaryBuilder([SummaryDimension.Parse("project")], TimeZoneInfo.Utc);
        builder.Add(["a"], Totals(1m, 10));
        builder.Add(["b"], Totals(2m, 5));
        builder.Add(["c"], Totals(1m, 20));
        builder.Add(["0d"], Totals(1m, 10));
        builder.Add([""], Totals(0m, 0));
        builder.Add([null], Totals(0m, 0));
        builder.Add(["a"], Totals(0.5m, 1));

        // b ($2) first; then $1.5: a (1 + 0.5, 11 tokens); then $1: c (20 tokens) before 0d (10); then $0 and no tokens:
        // "" and null join to the same text, so they keep the order they were added in ("" first).
        var summary = builder.Build();
        Assert.Equal(["b", "a", "c", "0d", "", null], summary.Rows.Select(r => r.Key["project"]));
        Assert.Equal((2, 11, 1.5m), (summary.Rows[1].Totals.Records, summary.Rows[1].Totals.InputTokens, summary.Rows[1].Totals.CostUsd));
        Assert.Equal((7, 1m + 2m + 1m + 1m + 0.5m), (summary.Total.Records, summary.Total.CostUsd));
    }

    [Fact]
    public void With_a_time_dimension_rows_go_by_time_then_most_expensive_then_values()
    {
        var builder = new UsageSummaryBuilder([SummaryDimension.Parse("day"), SummaryDimension.Parse("project")], TimeZoneInfo.Utc);
        builder.Add(["2026-01-02", "p1"], Totals(1m, 1));
        builder.Add(["2026-01-01", "p2"], Totals(1m, 100));
        builder.Add(["2026-01-01", "p1"], Totals(3m, 1));
        builder.Add(["2026-01-01", "p0"], Totals(1m, 1));

        // 01-01 before 01-02; within 01-01: p1 ($3), then p0 and p2 ($1 each; tokens do not count with a time
        // dimension) by their values.
        var rows = builder.Build().Rows;
        Assert.Equal(["2026-01-01|p1", "2026-01-01|p0", "2026-01-01|p2", "2026-01-02|p1"], rows.Select(r => r.Key["day"] + "|" + r.Key["project"]));
        Assert.Equal(["day", "project"], rows[0].Key.Keys);
    }
}
