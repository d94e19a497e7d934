using CsCheck;

namespace TokenTrace.Tests;

/// <summary>Issue 9 item 3: the bounds of docs/methodology/limits.md, as properties.</summary>
public sealed class UsageBoundsTests
{
    private static readonly string[] Buckets = ["input", "cacheRead", "cacheWrite", "cacheWrite1h", "output", "extra.audio_input"];

    private static UsageRecord With(string bucket, long value)
    {
        var tokens = bucket switch
        {
            "input" => new TokenCounts { Input = value },
            "cacheRead" => new TokenCounts { CacheRead = value },
            "cacheWrite" => new TokenCounts { CacheWrite = value },
            "cacheWrite1h" => new TokenCounts { CacheWrite1h = value },
            "output" => new TokenCounts { Output = value },
            _ => new TokenCounts { Extra = new Dictionary<string, long> { ["audio_input"] = value } },
        };
        return new UsageRecord { Id = "r", Timestamp = DateTimeOffset.UnixEpoch.AddYears(56), Model = "m", Tokens = tokens };
    }

    [Fact]
    public void Any_count_at_or_under_the_bound_is_valid_and_any_count_over_it_is_refused_naming_the_field()
    {
        Gen.Select(Gen.Int[0, Buckets.Length - 1], Gen.Long[0, UsageLimits.MaxTokensPerBucket], Gen.Long[UsageLimits.MaxTokensPerBucket + 1, long.MaxValue]).Sample((b, under, over) =>
        {
            Assert.Empty(UsageRecordValidator.Validate(With(Buckets[b], under)));
            var problems = UsageRecordValidator.Validate(With(Buckets[b], over));
            Assert.Contains(problems, p => p.StartsWith(Buckets[b] + ": ", StringComparison.Ordinal) && p.Contains("above the limit", StringComparison.Ordinal));
        });
    }

    [Fact]
    public void Totals_of_records_at_the_bound_never_wrap()
    {
        var record = new UsageRecord
        {
            Id = "r", Timestamp = DateTimeOffset.UnixEpoch, Model = "m", CostUsd = UsageLimits.MaxCostUsd,
            Tokens = new TokenCounts { Input = UsageLimits.MaxTokensPerBucket, CacheRead = UsageLimits.MaxTokensPerBucket, CacheWrite = UsageLimits.MaxTokensPerBucket, CacheWrite1h = UsageLimits.MaxTokensPerBucket, Output = UsageLimits.MaxTokensPerBucket },
        };
        var one = new UsageTotals();
        one.Add(record);

        // 2^30 records at the bound (doubling), more than a billion: still exact.
        var totals = new UsageTotals();
        totals.Add(one);
        for (var i = 0; i < 30; i++)
        {
            totals.Add(totals);
        }

        Assert.Equal(1L << 30, totals.Records);
        Assert.Equal((1L << 30) * 5 * UsageLimits.MaxTokensPerBucket, totals.TotalTokens);
        Assert.Equal((1L << 30) * UsageLimits.MaxCostUsd, totals.CostUsd);

        // Beyond what the bounds allow, checked arithmetic fails loudly instead of wrapping to a negative total.
        var huge = UsageTotals.FromSums(1, long.MaxValue, 0, 0, 0, 0, 0, 0m, 0, 0, default, default);
        Assert.Throws<OverflowException>(() => huge.Add(huge));
        Assert.Throws<OverflowException>(() => UsageTotals.FromSums(1, long.MaxValue, 1, 0, 0, 0, 0, 0m, 0, 0, default, default).TotalTokens);
    }

    [Fact]
    public void A_price_over_its_bound_is_refused_by_the_catalogue_builder_naming_the_entry_and_field()
    {
        Gen.Decimal[UsageLimits.MaxRatePerToken + 0.000001m, decimal.MaxValue].Sample(rate =>
        {
            var price = new ModelPrice { Name = "m1", Rates = new TokenRates { Input = 0.000001m, Output = rate } };
            var ex = Assert.Throws<ArgumentException>(() => PriceCatalog.CreateBuilder(includeBuiltIn: false).AddLayer("test", [price]));
            Assert.Contains("'m1'", ex.Message, StringComparison.Ordinal);
            Assert.Contains("output: ", ex.Message, StringComparison.Ordinal);
        });
        Gen.Decimal[0m, UsageLimits.MaxRatePerToken].Sample(rate =>
            PriceCatalog.CreateBuilder(includeBuiltIn: false).AddLayer("test", [new ModelPrice { Name = "m1", Rates = new TokenRates { Input = rate, Output = rate } }]));
    }

    [Fact]
    public void Pricing_a_record_at_the_token_bound_at_the_rate_bound_is_refused_not_overflowed()
    {
        var catalog = PriceCatalog.CreateBuilder(includeBuiltIn: false).AddLayer("test", [new ModelPrice { Name = "m1", Rates = new TokenRates { Input = UsageLimits.MaxRatePerToken, Output = UsageLimits.MaxRatePerToken } }]).Build();
        var pipeline = new UsageRecordPipeline(new UsageRecordPipelineOptions { Catalog = catalog });
        var record = new UsageRecord { Id = "r", Timestamp = DateTimeOffset.UnixEpoch.AddYears(56), Model = "m1", Tokens = new TokenCounts { Input = UsageLimits.MaxTokensPerBucket, Output = UsageLimits.MaxTokensPerBucket } };
        var ex = Assert.Throws<ArgumentException>(() => pipeline.Accept(record));
        Assert.Contains("costUsd: ", ex.Message, StringComparison.Ordinal);
    }
}
