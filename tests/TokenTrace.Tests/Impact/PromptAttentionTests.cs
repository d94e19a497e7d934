using CsCheck;

namespace TokenTrace.Tests;

public sealed class PromptAttentionTests
{
    private static readonly EnergyEstimator Estimator = new(PriceCatalog.BuiltIn);

    private static UsageRecord Call(string model, long input, long output, long cacheRead = 0, string region = "eu-north-1") => new()
    {
        Id = "x",
        Timestamp = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero),
        Model = model,
        Region = region,
        Tokens = new TokenCounts { Input = input, Output = output, CacheRead = cacheRead },
    };

    // Epoch AI (Josh You, "How much energy does ChatGPT use?", Feb 2025): a GPT-4o query with a 10k-token input ≈ 2.5 Wh,
    // with a 100k-token input ≈ 40 Wh (their typical query: 500 output tokens, 0.3 Wh). Epoch gives points, not ranges; the
    // range used here is taken from Epoch's own spreadsheet: down by 2× because its peak is BF16 and the sheet notes
    // "inference could use fp8 instead" (twice the peak), up by its "pessimistic" scenario, 1.304 / 0.301 = 4.33×.
    private const double EpochPessimistic = 1.304 / 0.301;

    [Fact]
    public void A_10k_token_gpt_4o_prompt_overlaps_epoch_ai_s_range_and_its_own_range_holds_epoch_s_2_5_Wh()
    {
        var e = Estimator.Estimate(Call("gpt-4o", 10_000, 500))!.EnergyWh;
        const double epoch = 2.5, epochLow = epoch / 2, epochHigh = epoch * EpochPessimistic; // 1.25 – 10.8 Wh
        Assert.InRange(epoch, e.Low, e.High);
        Assert.True(e.High >= epochLow && e.Low <= epochHigh, $"{e} does not overlap {epochLow}–{epochHigh}");
        Assert.InRange(e.Central, epochLow, epochHigh); // 1.33 Wh: lower than Epoch because FP8 doubles the peak (see carbon.md §4)
    }

    [Fact]
    public void A_100k_token_gpt_4o_prompt_overlaps_epoch_ai_s_range_and_its_own_range_holds_epoch_s_40_Wh()
    {
        var e = Estimator.Estimate(Call("gpt-4o", 100_000, 500))!.EnergyWh;
        const double epoch = 40, epochLow = epoch / 2, epochHigh = epoch * EpochPessimistic; // 20 – 173 Wh
        Assert.InRange(epoch, e.Low, e.High);
        Assert.True(e.High >= epochLow && e.Low <= epochHigh, $"{e} does not overlap {epochLow}–{epochHigh}");

        // Before the attention term this prompt was 14.5 Wh, linear in its length: ten times the 10k prompt's prefill.
        // Now the 100k prompt costs more than ten 10k prompts.
        var tenK = Estimator.Estimate(Call("gpt-4o", 10_000, 0))!.EnergyWh.Central;
        var hundredK = Estimator.Estimate(Call("gpt-4o", 100_000, 0))!.EnergyWh.Central;
        Assert.True(hundredK > 20 * tenK, $"{hundredK} vs {tenK}");
    }

    [Fact]
    public void Prompt_attention_of_an_undisclosed_model_uses_a_dense_shape_of_its_active_parameters()
    {
        // gpt-4o: 100B active, shape undisclosed. layers = ∛(10¹¹ / (12 × 128²)) = ∛508,626 = 79.824, width = 128 × 79.824 = 10,217,
        // layers × width = 815,597. Prompt attention = 4 · layers · width FLOP per pair, n²/2 pairs = 2 × 815,597 × n² FLOP, at
        // the BF16 peak × utilization = 989e12 × 0.4 = 3.956e14 FLOP/s: 10k tokens → 1.631e14 / 3.956e14 = 0.4123 s;
        // 100k tokens → 41.23 s.
        var tenK = Estimator.Explain(Call("gpt-4o", 10_000, 0))!;
        var hundredK = Estimator.Explain(Call("gpt-4o", 100_000, 0))!;
        Assert.Equal(79.82, tenK.Layers, 2);
        Assert.Equal(10_217, tenK.AttentionWidth, 0);
        Assert.Equal(0.4123, tenK.AttentionSeconds, 4);
        Assert.Equal(41.23, hundredK.AttentionSeconds, 2);
        Assert.Contains("dense transformer", tenK.Architecture.ShapeSource, StringComparison.Ordinal);
    }

    [Fact]
    public void Prompt_attention_of_a_disclosed_model_uses_its_published_layers_and_width()
    {
        // DeepSeek-V3 technical report: 61 layers, 128 heads, query-key dimension 192, value dimension 128, so a pair costs
        // 2 × 128 × 192 + 2 × 128 × 128 = 81,920 FLOP per layer = 4 × 20,480. 10k tokens: 2 × 61 × 20,480 × 10⁸ = 2.4986e14 FLOP
        // / 3.956e14 FLOP/s = 0.6316 s.
        var breakdown = Estimator.Explain(Call("deepseek-chat", 10_000, 0))!;
        Assert.Equal(61, breakdown.Layers);
        Assert.Equal(20_480, breakdown.AttentionWidth);
        Assert.Equal(0.6316, breakdown.AttentionSeconds, 4);
        Assert.StartsWith("Disclosed: DeepSeek-V3", breakdown.Architecture.ShapeSource, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_published_shape_comes_with_its_width_and_source_and_open_weight_rows_have_one()
    {
        var rows = ImpactTables.Default.Architectures;
        Assert.All(rows.Where(a => a.Layers is not null || a.AttentionWidth is not null), a =>
        {
            Assert.NotNull(a.Layers);
            Assert.NotNull(a.AttentionWidth);
            Assert.False(string.IsNullOrWhiteSpace(a.ShapeSource), a.Name);
            Assert.True(a.Layers.Value.Low <= a.Layers.Value.Central && a.Layers.Value.Central <= a.Layers.Value.High, a.Name);
            Assert.True(a.AttentionWidth.Value.Low <= a.AttentionWidth.Value.Central && a.AttentionWidth.Value.Central <= a.AttentionWidth.Value.High, a.Name);
        });

        // Every row whose sizes are disclosed is an open-weight model whose configuration is published.
        Assert.All(rows.Where(a => a.Source.StartsWith("Disclosed", StringComparison.Ordinal)), a => Assert.NotNull(a.Layers));
    }

    [Fact]
    public void New_prompt_tokens_attend_over_the_cached_prefix_they_follow()
    {
        // 1,000 new tokens after 9,000 cached ones: pairs ∝ 10,000² − 9,000² = 19 × 10⁶, against 10,000² = 100 × 10⁶ for the same
        // 10,000 tokens all uncached: 19 %.
        var cached = Estimator.Explain(Call("gpt-4o", 1_000, 0, cacheRead: 9_000))!;
        var uncached = Estimator.Explain(Call("gpt-4o", 10_000, 0))!;
        Assert.Equal(0.19, cached.AttentionSeconds / uncached.AttentionSeconds, 12);
    }

    [Fact]
    public void Each_profile_multiplies_at_the_peak_of_its_own_weight_precision()
    {
        // FP8 weights (1 byte) run FP8 matrix multiplications: 2 × 10¹¹ / (1,979e12 × 0.4) = 2.5265e-4 s per prompt token.
        // BF16 weights (2 bytes) run BF16: 2 × 10¹¹ / (989e12 × 0.4) = 5.0556e-4 s. Attention is BF16 in both (0.4123 s at 10k).
        var fp8 = Estimator.Explain(Call("gpt-4o", 10_000, 0))!;
        var bf16 = new EnergyEstimator(PriceCatalog.BuiltIn, serving: ServingAssumptions.Default with { BytesPerParameter = new EstimateRange(2, 2, 2) })
            .Explain(Call("gpt-4o", 10_000, 0))!;
        Assert.Equal(2.5265e-4, fp8.PrefillSecondsPerToken, 8);
        Assert.Equal(5.0556e-4, bf16.PrefillSecondsPerToken, 8);
        Assert.Equal(fp8.AttentionSeconds, bf16.AttentionSeconds, 12);
    }

    [Fact]
    public void The_energy_of_one_more_prompt_token_grows_with_the_context_and_ranges_stay_ordered()
    {
        string[] models = ["gpt-4o", "deepseek-chat", "claude-sonnet-4-5", "llama4-maverick-17b-instruct", "mistral-small-3-2"];
        Gen.Select(Gen.Int[0, models.Length - 1], Gen.Long[0, 200_000], Gen.Long[1_000, 50_000], Gen.Long[0, 2_000]).Sample((pick, context, step, output) =>
        {
            double Central(long input) => Estimator.Estimate(Call(models[pick], input, output))!.EnergyWh.Central;
            var (a, b, c) = (Central(context), Central(context + step), Central(context + (2 * step)));
            Assert.True(b > a && c > b);
            Assert.True(c - b > b - a, $"{models[pick]}: {a} {b} {c}");

            var e = Estimator.Estimate(Call(models[pick], context, output))!;
            Assert.True(e.EnergyWh.Low <= e.EnergyWh.Central && e.EnergyWh.Central <= e.EnergyWh.High);
        });
    }
}
