using System.Globalization;
using CsCheck;

namespace TokenTrace.Tests;

/// <summary>Dated snapshots, normalized names and the names users meet most, each against the vendor's published price.</summary>
public sealed class SnapshotResolutionTests
{
    private const decimal M = 1_000_000m;

    private static (decimal Input, decimal Output) PerMillion(string model, string at, string? provider = null)
    {
        var day = DateTimeOffset.Parse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var price = PriceCatalog.BuiltIn.Find(model, provider, day) ?? throw new Xunit.Sdk.XunitException($"'{model}' is unpriced");
        return (price.Rates.Input!.Value * M, price.Rates.Output!.Value * M);
    }

    [Theory]
    // OpenAI, https://platform.openai.com/docs/pricing (legacy models) and LiteLLM's snapshot of 2026-07-24.
    [InlineData("gpt-4o-2024-05-13", "2024-06-01", 5, 15)]
    [InlineData("gpt-4o-2024-05-13", "2026-11-01", 5, 15)]
    [InlineData("gpt-4o-2024-08-06", "2024-09-01", 2.5, 10)]
    [InlineData("gpt-4o-2024-11-20", "2026-11-01", 2.5, 10)]
    [InlineData("gpt-4o", "2024-06-01", 5, 15)] // until 2024-10-02 the gpt-4o alias pointed at gpt-4o-2024-05-13
    [InlineData("gpt-4o", "2026-11-01", 2.5, 10)]
    [InlineData("gpt-3.5-turbo-1106", "2024-02-01", 1, 2)]
    [InlineData("gpt-3.5-turbo-0125", "2024-02-01", 0.5, 1.5)]
    [InlineData("gpt-4-0613", "2024-02-01", 30, 60)]
    [InlineData("o3-2025-04-16", "2025-05-01", 10, 40)] // o3 launched at $10/$40; cut to $2/$8 on 2025-06-10
    [InlineData("o3-2025-04-16", "2025-07-01", 2, 8)]
    // Mistral, https://mistral.ai/news/september-24-release: Large 2 $3/$9 → $2/$6 and Codestral $1/$3 → $0.2/$0.6 from 2024-09-17.
    [InlineData("mistral-large-2407", "2024-08-01", 3, 9)]
    [InlineData("mistral-large-2407", "2024-10-01", 2, 6)]
    [InlineData("mistral-large-2411", "2025-01-01", 2, 6)]
    [InlineData("codestral-2405", "2024-06-01", 1, 3)]
    [InlineData("codestral-2405", "2024-10-01", 0.2, 0.6)]
    [InlineData("codestral-2501", "2025-02-01", 0.3, 0.9)]
    // Cohere, https://cohere.com/pricing (legacy models): Command R+ 04-2024 $3/$15, 08-2024 $2.50/$10; Command R 03-2024 $0.50/$1.50.
    [InlineData("command-r-plus-04-2024", "2024-06-01", 3, 15)]
    [InlineData("command-r-plus-08-2024", "2024-10-01", 2.5, 10)]
    [InlineData("command-r-03-2024", "2024-06-01", 0.5, 1.5)]
    public void A_dated_snapshot_takes_its_own_published_price(string model, string at, decimal input, decimal output) =>
        Assert.Equal((input, output), PerMillion(model, at));

    [Theory]
    [InlineData("gpt-4o-2023-01-01", "gpt-4o")]        // older than any gpt-4o snapshot
    [InlineData("codestral-2301", "codestral")]         // January 2023: before every Codestral
    [InlineData("claude-sonnet-4-5-20240101", "claude-sonnet-4-5")]
    [InlineData("command-r-plus-01-2024", "command-r-plus")]
    [InlineData("gpt-4o-mini-0613", "gpt-4o-mini")]     // month and day, no year: its date cannot be told
    public void An_unknown_snapshot_is_unpriced_with_a_warning_naming_the_nearest_entry(string model, string nearest)
    {
        Assert.Null(PriceCatalog.BuiltIn.Find(model));
        Assert.Null(PriceCatalog.BuiltIn.Find(model, at: new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Null(PriceCatalog.BuiltIn.Resolve(model));
        var warning = PriceCatalog.BuiltIn.SnapshotWarning(model);
        Assert.NotNull(warning);
        Assert.Contains($"nearest entry is '{nearest}'", warning, StringComparison.Ordinal);

        var record = new UsageRecord { Id = "r", Timestamp = new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero), Model = model, Tokens = new TokenCounts { Input = 1000 } };
        var priced = new UsagePricer(PriceCatalog.BuiltIn).Price(record, out var problem);
        Assert.Null(priced.CostUsd);
        Assert.Contains(nearest, problem, StringComparison.Ordinal);
    }

    [Theory]
    // Anthropic, https://docs.claude.com/en/docs/about-claude/pricing: Sonnet 4.5 $3/$15, Haiku 4.5 $1/$5.
    [InlineData("openrouter/anthropic/claude-sonnet-4.5", null, 3, 15)]
    [InlineData("claude-sonnet-4.5", null, 3, 15)]
    [InlineData("anthropic/claude-haiku-4.5", null, 1, 5)]
    [InlineData("gpt-4.1", null, 2, 8)] // a dot that is the real name stays
    // Bedrock: geography-pinned (us., eu., jp., au., apac.) endpoints of Claude 4.5 and later are 10 % above global ones
    // (Anthropic, "Third-party platform pricing"; LiteLLM lists us.anthropic.claude-sonnet-4-5-20250929-v1:0 at $3.30/$16.50).
    [InlineData("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock", 3.3, 16.5)]
    [InlineData("eu.anthropic.claude-haiku-4-5-20251001-v1:0", null, 1.1, 5.5)]
    [InlineData("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock", 3, 15)]
    [InlineData("anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock", 3, 15)]
    [InlineData("bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0", null, 3.3, 16.5)]
    [InlineData("us.anthropic.claude-sonnet-4-20250514-v1:0", "bedrock", 3, 15)] // before Sonnet 4.5: no premium
    [InlineData("vertex_ai/claude-sonnet-4-5@20250929", null, 3, 15)]
    [InlineData("azure/gpt-4o", null, 2.5, 10)]
    public void Prefixes_and_dotted_versions_are_normalized(string model, string? provider, decimal input, decimal output) =>
        Assert.Equal((input, output), PerMillion(model, "2026-11-01", provider));

    [Theory]
    // Google, https://ai.google.dev/gemini-api/docs/pricing
    [InlineData("gemini-2.0-flash-001", "2025-06-01", 0.1, 0.4)]
    [InlineData("gemini-2.5-pro-preview-03-25", "2025-05-01", 1.25, 10)]
    [InlineData("gemini-2.5-pro-preview-06-05", "2025-06-10", 1.25, 10)]
    [InlineData("gemini-2.5-flash-preview-04-17", "2025-05-01", 0.15, 0.6)]
    [InlineData("gemini-2.5-flash-preview-05-20", "2025-06-01", 0.15, 0.6)]
    [InlineData("gemini-2.5-flash-preview-09-2025", "2025-10-01", 0.3, 2.5)]
    [InlineData("gemini-2.5-flash-lite-preview-06-17", "2025-07-01", 0.1, 0.4)]
    // OpenAI, https://platform.openai.com/docs/pricing: o1-mini $1.10/$4.40 (from 2025-01-31; $3/$12 before), o1-preview $15/$60,
    // chatgpt-4o-latest $5/$15, gpt-4-0613 $30/$60.
    [InlineData("o1-mini", "2025-06-01", 1.1, 4.4)]
    [InlineData("o1-mini-2024-09-12", "2024-10-01", 3, 12)]
    [InlineData("o1-preview", "2024-10-01", 15, 60)]
    [InlineData("chatgpt-4o-latest", "2025-01-01", 5, 15)]
    [InlineData("gpt-4-0613", "2024-01-01", 30, 60)]
    // xAI, https://docs.x.ai/docs/models: grok-4-fast $0.20/$0.50.
    [InlineData("grok-4-fast-reasoning", "2025-10-01", 0.2, 0.5)]
    [InlineData("grok-4-fast-non-reasoning", "2025-10-01", 0.2, 0.5)]
    // Groq, https://groq.com/pricing/: Llama 3.1 8B Instant $0.05/$0.08 — the id is Groq's own, so no --provider is needed.
    [InlineData("llama-3.1-8b-instant", "2025-01-01", 0.05, 0.08)]
    public void Common_names_are_priced(string model, string at, decimal input, decimal output) =>
        Assert.Equal((input, output), PerMillion(model, at));

    [Fact]
    public void Grok_4_prompts_above_128k_bill_at_the_doubled_long_context_rates()
    {
        // xAI, https://docs.x.ai/docs/models: grok-4 $3/$15, $6/$30 above 128k tokens; grok-4-1-fast $0.20/$0.50, $0.40/$1.00 above.
        var grok4 = PriceCatalog.BuiltIn.Find("grok-4")!;
        Assert.Equal(128_000m * 3m / M + (1_000m * 15m / M), CostCalculator.Calculate(grok4, new TokenCounts { Input = 128_000, Output = 1_000 }).Total);
        Assert.Equal(128_001m * 6m / M + (1_000m * 30m / M), CostCalculator.Calculate(grok4, new TokenCounts { Input = 128_001, Output = 1_000 }).Total);
        var fast = PriceCatalog.BuiltIn.Find("grok-4-1-fast-reasoning")!;
        Assert.Equal(200_000m * 0.4m / M + (1_000m * 1.0m / M), CostCalculator.Calculate(fast, new TokenCounts { Input = 200_000, Output = 1_000 }).Total);
    }

    [Fact]
    public void Claude_3_haiku_cache_rates_are_anthropics_published_figures()
    {
        // Anthropic, https://docs.claude.com/en/docs/about-claude/pricing: Haiku 3 cache hits $0.03, 5-minute writes $0.30, 1-hour $0.50 per MTok.
        var rates = PriceCatalog.BuiltIn.Find("claude-3-haiku-20240307")!.Rates;
        Assert.Equal((0.03m, 0.30m, 0.50m), (rates.CacheRead * M, rates.CacheWrite * M, rates.CacheWrite1h * M));
    }

    private static readonly string[] Formats = ["-{0:yyyyMMdd}", "-{0:yyyy-MM-dd}", "@{0:yyyyMMdd}", "-{0:yyMM}", "-{0:MM-yyyy}", "-{0:MMdd}"];

    [Fact]
    public void Any_date_suffixed_name_of_a_known_family_resolves_to_an_entry_covering_its_date_or_is_unpriced()
    {
        var catalog = PriceCatalog.BuiltIn;
        var families = catalog.Entries.Select(p => p.Name).Where(n => !n.Contains('/', StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal).ToArray();
        var firstDay = catalog.Entries.GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Min(p => p.EffectiveFrom!.Value), StringComparer.OrdinalIgnoreCase);
        var start = new DateOnly(2022, 1, 1);
        Gen.Select(Gen.Int[0, families.Length - 1], Gen.Int[0, 365 * 6], Gen.Int[0, Formats.Length - 1]).Sample((family, offset, format) =>
        {
            var date = start.AddDays(offset);
            var name = families[family] + string.Format(CultureInfo.InvariantCulture, Formats[format], date);
            var resolution = catalog.Resolve(name);
            if (resolution is null || resolution.Rule is "exact" or "alias")
            {
                return; // unpriced, or a name the catalogue lists explicitly
            }

            // The latest day the suffix may mean: the day itself, the month's end for YYMM and MM-YYYY; MMDD gives no year at all.
            Assert.True(format != 5, $"{name}: a suffix without a year resolved to {resolution.MatchedName}");
            var last = format is 3 or 4 ? new DateOnly(date.Year, date.Month, DateTime.DaysInMonth(date.Year, date.Month)) : date;
            Assert.True(firstDay[resolution.MatchedName] <= last, $"{name} resolved to {resolution.MatchedName}, which starts {firstDay[resolution.MatchedName]:yyyy-MM-dd}");
        }, iter: 2000);
    }
}
