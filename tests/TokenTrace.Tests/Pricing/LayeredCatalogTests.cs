namespace TokenTrace.Tests;

/// <summary>Later layers override only the fields they give, and only for the same seller.</summary>
public sealed class LayeredCatalogTests
{
    private const decimal M = 1_000_000m;

    private static PriceCatalog WithLiteLlm()
    {
        var path = SharedData.Find("litellm/model_prices_and_context_window.json");
        Assert.True(path is not null, "../shared/data/litellm/model_prices_and_context_window.json is missing");
        var sheet = LiteLlmCatalogReader.ReadFile(path);
        return PriceCatalog.CreateBuilder().AddLayer(sheet.Layer, sheet.Prices).Build();
    }

    /// <summary>Every name the built-in catalogue answers to: entry names and their aliases.</summary>
    private static string[] BuiltInNames() =>
        [.. PriceCatalog.BuiltIn.Entries.SelectMany(p => p.Aliases.Prepend(p.Name)).Distinct(StringComparer.OrdinalIgnoreCase)];

    private static HashSet<string> NamesWith(PriceCatalog catalog, Func<ModelPrice, bool> has) =>
        [.. BuiltInNames().Where(name => catalog.Find(name) is { } price && has(price))];

    [Fact]
    public void Importing_the_real_LiteLLM_catalogue_keeps_every_built_in_batch_flex_priority_and_long_context_rate()
    {
        var layered = WithLiteLlm();
        bool Batch(ModelPrice p) => p.ServiceTiers.ContainsKey("batch");
        bool Flex(ModelPrice p) => p.ServiceTiers.ContainsKey("flex");
        bool Priority(ModelPrice p) => p.ServiceTiers.ContainsKey("priority");
        bool LongContext(ModelPrice p) => p.LongContext.Count > 0;

        // Counted before and after: the import may add rates (LiteLLM lists priority rates the built-in lacks), never remove one.
        var batchBefore = NamesWith(PriceCatalog.BuiltIn, Batch);
        Assert.True(batchBefore.Count >= 25, $"{batchBefore.Count} built-in names with batch prices");
        foreach (var has in new Func<ModelPrice, bool>[] { Batch, Flex, Priority, LongContext })
        {
            var before = NamesWith(PriceCatalog.BuiltIn, has);
            var after = NamesWith(layered, has);
            Assert.True(after.Count >= before.Count, $"{before.Count} before, {after.Count} after");
            Assert.Empty(before.Except(after));
        }

        // Anthropic, https://docs.claude.com/en/docs/about-claude/pricing: Sonnet 4.5 batch $1.50/$7.50 per MTok. LiteLLM's entry
        // has no batch rate; its standard rates ($3/$15) merge in, the built-in batch rates stay.
        var sonnet = layered.Find("claude-sonnet-4-5-20250929")!;
        Assert.Equal((1.5m, 7.5m), (sonnet.ServiceTiers["batch"].Input * M, sonnet.ServiceTiers["batch"].Output * M));
        Assert.Equal((3m, 15m), (sonnet.Rates.Input * M, sonnet.Rates.Output * M));
        Assert.StartsWith("builtin@", sonnet.RateSources["tiers.batch.input"], StringComparison.Ordinal);
        Assert.StartsWith("litellm:", sonnet.RateSources["input"], StringComparison.Ordinal);
    }

    [Fact]
    public void An_entry_of_the_same_name_from_another_seller_is_chosen_only_by_its_provider()
    {
        var layered = WithLiteLlm();

        // Google, https://ai.google.dev/gemini-api/docs/pricing: Gemini 2.5 Pro $1.25/$10, $2.50/$15 above 200k; batch $0.625/$5.
        var google = layered.Find("gemini-2.5-pro", "google")!;
        Assert.Equal("google", google.Provider);
        Assert.Equal((1.25m, 10m), (google.Rates.Input * M, google.Rates.Output * M));
        Assert.Equal(0.625m, google.ServiceTiers["batch"].Input * M);
        Assert.Equal(200_000, Assert.Single(google.LongContext).AboveTokens);
        Assert.Equal("google", layered.Find("gemini-2.5-pro")!.Provider);

        // LiteLLM's unprefixed gemini-2.5-pro is Vertex AI's: reached by its provider, never by Google's.
        Assert.Equal("vertex_ai-language-models", layered.Find("gemini-2.5-pro", "vertex_ai")!.Provider);

        // Vertex prices gemini-2.0-flash-001 at $0.15/$0.60 (LiteLLM); Google's Gemini API at $0.10/$0.40.
        Assert.Equal(0.1m, layered.Find("gemini-2.0-flash-001", "google")!.Rates.Input * M);
        Assert.Equal(0.1m, layered.Find("gemini-2.0-flash-001")!.Rates.Input * M);
        Assert.Equal(0.15m, layered.Find("gemini-2.0-flash-001", "vertex_ai")!.Rates.Input * M);
    }

    [Fact]
    public void An_imported_price_the_dated_history_already_superseded_does_not_undo_the_price_cut()
    {
        var layered = WithLiteLlm();
        var after = new DateTimeOffset(2024, 10, 1, 0, 0, 0, TimeSpan.Zero);

        // Mistral, https://mistral.ai/news/september-24-release: from 2024-09-17 Large 2 $2/$6 (was $3/$9), Codestral $0.20/$0.60
        // (was $1/$3). LiteLLM's snapshot still lists the launch prices.
        var large = layered.Find("mistral-large-2407", at: after)!;
        Assert.Equal((2m, 6m), (large.Rates.Input * M, large.Rates.Output * M));
        var codestral = layered.Find("codestral-2405", at: after)!;
        Assert.Equal((0.2m, 0.6m), (codestral.Rates.Input * M, codestral.Rates.Output * M));
        Assert.Equal(3m, layered.Find("mistral-large-2407", at: new DateTimeOffset(2024, 8, 1, 0, 0, 0, TimeSpan.Zero))!.Rates.Input * M);
    }

    [Fact]
    public void A_config_override_replaces_only_the_rates_it_gives()
    {
        var catalog = PriceCatalog.CreateBuilder()
            .AddLayer("config", [new ModelPrice { Name = "gpt-4o", Rates = new TokenRates { Input = 2m / M } }])
            .Build();
        var price = catalog.Find("gpt-4o")!;

        // OpenAI, https://platform.openai.com/docs/pricing: gpt-4o output $10, batch $1.25/$5 — untouched by an input-only override.
        Assert.Equal((2m, 10m), (price.Rates.Input * M, price.Rates.Output * M));
        Assert.Equal(1.25m, price.ServiceTiers["batch"].Input * M);
        Assert.Equal("config", price.RateSources["input"]);
        Assert.StartsWith("builtin@", price.RateSources["output"], StringComparison.Ordinal);

        // Records from before the override's (undated) latest version keep their own: gpt-4o in June 2024 was $5/$15.
        Assert.Equal(5m, catalog.Find("gpt-4o", at: new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero))!.Rates.Input * M);
    }

    [Fact]
    public void A_dated_override_starts_a_new_version_and_leaves_older_records_alone()
    {
        var catalog = PriceCatalog.CreateBuilder()
            .AddLayer("config", [new ModelPrice { Name = "claude-haiku-4-5", EffectiveFrom = new DateOnly(2027, 1, 1), Rates = new TokenRates { Output = 4m / M } }])
            .Build();
        var before = catalog.Find("claude-haiku-4-5", at: new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero))!;
        var after = catalog.Find("claude-haiku-4-5", at: new DateTimeOffset(2027, 2, 1, 0, 0, 0, TimeSpan.Zero))!;

        // Anthropic: Haiku 4.5 $1/$5 per MTok.
        Assert.Equal((1m, 5m), (before.Rates.Input * M, before.Rates.Output * M));
        Assert.Equal((1m, 4m), (after.Rates.Input * M, after.Rates.Output * M));
        Assert.Equal(new DateOnly(2027, 1, 1), after.EffectiveFrom);
    }

    [Fact]
    public void Importing_litellm_keeps_bedrocks_regional_premium_on_the_models_it_applies_to()
    {
        // LiteLLM lists the global Bedrock id at $3/$15 and no apac. one; an apac. (geography-pinned) call to Sonnet 4.5 is 10 % more,
        // $3.30/$16.50, whether the price comes from the built-in entry or from the imported copy.
        var price = WithLiteLlm().Find("apac.anthropic.claude-sonnet-4-5-20250929-v1:0")!;
        Assert.Equal((3.3m, 16.5m), (price.Rates.Input * M, price.Rates.Output * M));
    }
}
