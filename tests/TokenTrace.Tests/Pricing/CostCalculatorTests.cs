using CsCheck;

namespace TokenTrace.Tests;

public sealed class CostCalculatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static decimal Cost(string model, TokenCounts tokens, string? tier = null)
    {
        var price = PriceCatalog.BuiltIn.Find(model, at: Now) ?? throw new InvalidOperationException(model);
        return CostCalculator.Calculate(price, tokens, tier).Total ?? throw new InvalidOperationException("unpriced");
    }

    [Fact]
    public void A_million_input_tokens_below_the_threshold_cost_the_list_price()
    {
        // 5 calls of 200,000 tokens: none exceeds the 200k threshold, so $3 per million.
        var one = Cost("claude-sonnet-4-5", new TokenCounts { Input = 200_000 });
        Assert.Equal(3.0m, one * 5);
        Assert.Equal(15m, Cost("claude-sonnet-4-5", new TokenCounts { Output = 1_000_000 }) / 1m);
    }

    [Fact]
    public void A_prompt_over_200k_switches_every_bucket_to_long_context_rates()
    {
        var tokens = new TokenCounts { Input = 200_000, CacheRead = 30_000, CacheWrite = 10_000, CacheWrite1h = 10_000, Output = 1_000 };
        var price = PriceCatalog.BuiltIn.Find("claude-sonnet-4-5")!;
        var breakdown = CostCalculator.Calculate(price, tokens).Breakdown!;
        Assert.Equal(200_000 * 0.000006m, breakdown.Input);
        Assert.Equal(30_000 * 0.0000006m, breakdown.CacheRead);
        Assert.Equal(10_000 * 0.0000075m, breakdown.CacheWrite);
        Assert.Equal(10_000 * 0.000012m, breakdown.CacheWrite1h);
        Assert.Equal(1_000 * 0.0000225m, breakdown.Output);
        Assert.Contains(breakdown.Notes, n => n.Contains("long-context", StringComparison.Ordinal));
    }

    [Fact]
    public void A_prompt_of_exactly_200k_stays_at_standard_rates()
    {
        Assert.Equal(0.6m, Cost("claude-sonnet-4-5", new TokenCounts { Input = 200_000 }));
        Assert.Equal(1.200006m, Cost("claude-sonnet-4-5", new TokenCounts { Input = 200_001 }));
    }

    [Fact]
    public void A_one_hour_cache_write_costs_twice_the_input_rate_and_five_minutes_one_and_a_quarter()
    {
        Assert.Equal(2 * Cost("claude-sonnet-4-5", new TokenCounts { Input = 10_000 }), Cost("claude-sonnet-4-5", new TokenCounts { CacheWrite1h = 10_000 }));
        Assert.Equal(1.25m * Cost("claude-haiku-4-5", new TokenCounts { Input = 10_000 }), Cost("claude-haiku-4-5", new TokenCounts { CacheWrite = 10_000 }));
        Assert.Equal(0.1m * Cost("claude-opus-4-5", new TokenCounts { Input = 10_000 }), Cost("claude-opus-4-5", new TokenCounts { CacheRead = 10_000 }));
    }

    [Fact]
    public void Service_tiers_use_their_rates_and_an_unlisted_tier_is_not_guessed()
    {
        Assert.Equal(0.00125m + 0.005m, Cost("gpt-4o", new TokenCounts { Input = 1_000, Output = 1_000 }, "batch"));
        Assert.Equal(0.0025m + 0.01m, Cost("gpt-4o", new TokenCounts { Input = 1_000, Output = 1_000 }, "standard"));
        var price = PriceCatalog.BuiltIn.Find("gpt-4o")!;
        var flex = CostCalculator.Calculate(price, new TokenCounts { Input = 1 }, "flex");
        Assert.Null(flex.Total);
        Assert.Contains("flex", flex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Tier_buckets_without_a_rate_scale_with_the_tier_discount()
    {
        // gpt-4o batch lists input and output; cache reads follow the same 50 % discount.
        Assert.Equal(1_000 * 0.00000125m * 0.5m, Cost("gpt-4o", new TokenCounts { CacheRead = 1_000 }, "batch"));
    }

    [Fact]
    public void Reasoning_is_priced_as_output_unless_the_model_prices_it_apart()
    {
        var tokens = new TokenCounts { Output = 1_000, Reasoning = 600 };
        Assert.Equal(Cost("o3", new TokenCounts { Output = 1_000 }), Cost("o3", tokens));
        var priced = new ModelPrice { Name = "r", Rates = new TokenRates { Input = 1m, Output = 2m, Reasoning = 3m } };
        Assert.Equal((400 * 2m) + (600 * 3m), CostCalculator.Calculate(priced, tokens).Total);
    }

    [Fact]
    public void Per_unit_prices_apply_to_extra_counts()
    {
        var tokens = new TokenCounts { Input = 0, Extra = new Dictionary<string, long> { [ExtraCounts.WebSearchRequests] = 3 } };
        Assert.Equal(0.03m, Cost("claude-sonnet-4-5", tokens));
    }

    [Fact]
    public void Cost_is_additive_over_buckets_and_exact_in_decimal()
    {
        var price = PriceCatalog.BuiltIn.Find("claude-haiku-4-5")!;
        Gen.Long[0, 150_000].Array[5].Sample(counts =>
        {
            var tokens = new TokenCounts { Input = counts[0], CacheRead = counts[1], CacheWrite = counts[2], CacheWrite1h = counts[3], Output = counts[4] };
            var whole = CostCalculator.Calculate(price, tokens).Total!.Value;
            var expected = (counts[0] * 1m + counts[1] * 0.1m + counts[2] * 1.25m + counts[3] * 2m + counts[4] * 5m) / 1_000_000m;
            Assert.Equal(expected, whole);
        });
    }

    [Fact]
    public void A_missing_rate_for_a_used_bucket_gives_no_cost_rather_than_zero()
    {
        var inputOnly = new ModelPrice { Name = "half", Rates = new TokenRates { Input = 1m } };
        var result = CostCalculator.Calculate(inputOnly, new TokenCounts { Input = 1, Output = 1 });
        Assert.Null(result.Total);
        Assert.Contains("output", result.Problem, StringComparison.Ordinal);
    }
}
