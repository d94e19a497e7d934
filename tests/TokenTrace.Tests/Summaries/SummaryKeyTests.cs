namespace TokenTrace.Tests;

public sealed class SummaryKeyTests
{
    private static UsageTotals Totals(decimal cost, long input = 1) => UsageTotals.FromSums(1, input, 0, 0, 0, 0, 0, cost, 0, 0, default, default);

    [Fact]
    public void A_rows_key_answers_as_a_read_only_dictionary_in_dimension_order()
    {
        var builder = new UsageSummaryBuilder([SummaryDimension.Parse("project"), SummaryDimension.Parse("agent")], TimeZoneInfo.Utc);
        builder.Add(["p", null], Totals(1m));

        var key = builder.Build().Rows[0].Key;

        Assert.Equal(2, key.Count);
        Assert.Equal(["project", "agent"], key.Keys);
        Assert.Equal(["p", null], key.Values);
        Assert.Equal("p", key["project"]);
        Assert.True(key.TryGetValue("agent", out var agent));
        Assert.Null(agent);
        Assert.False(key.ContainsKey("Project"));
        Assert.False(key.TryGetValue("job", out _));
        Assert.Throws<KeyNotFoundException>(() => key["job"]);
        Assert.Equal([new KeyValuePair<string, string?>("project", "p"), new KeyValuePair<string, string?>("agent", null)], key.ToList());
    }

    [Fact]
    public void A_dimension_given_twice_keeps_one_entry_with_the_last_value()
    {
        var builder = new UsageSummaryBuilder([SummaryDimension.Parse("project"), SummaryDimension.Parse("project")], TimeZoneInfo.Utc);
        builder.Add(["a", "b"], Totals(1m));

        var key = builder.Build().Rows[0].Key;

        Assert.Equal([new KeyValuePair<string, string?>("project", "b")], key.ToList());
    }

    [Fact]
    public void Costs_too_large_for_whole_picodollars_and_finer_than_a_picodollar_still_sort_most_expensive_first()
    {
        var builder = new UsageSummaryBuilder([SummaryDimension.Parse("project")], TimeZoneInfo.Utc);
        builder.Add(["small"], Totals(0.000000000001m));
        builder.Add(["huge"], Totals(12_000_000.5m));
        builder.Add(["fine"], Totals(0.0000000000015m));
        builder.Add(["big"], Totals(9_500_000m));

        // 12,000,000.5 > 9,500,000 > 1.5e-12 > 1e-12: the first and the third cannot be whole picodollars in 64 bits.
        Assert.Equal(["huge", "big", "fine", "small"], builder.Build().Rows.Select(r => r.Key["project"]));
    }
}
