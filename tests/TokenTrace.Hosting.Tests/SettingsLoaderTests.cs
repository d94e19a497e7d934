namespace TokenTrace.Hosting.Tests;

public sealed class SettingsLoaderTests
{
    private static string? Env(string name) => name switch
    {
        "LEDGER_DIR" => "/data/tt",
        "EMPTY" => "",
        _ => null,
    };

    [Fact]
    public void Variables_are_substituted_with_defaults_and_the_file_is_read()
    {
        var settings = TokenTraceSettingsLoader.Parse("""
            ledger: jsonl:${LEDGER_DIR}/usage
            region: ${REGION:-eu-north-1}
            files:
              compressAfterDays: 7
              retentionDays: 365
            prices:
              aliases:
                house-model: claude-haiku-4-5
              patterns:
                - match: "^ft:gpt-4o"
                  model: gpt-4o
              overrides:
                my-model:
                  provider: acme
                  input: 1.5
                  output: 6
                  effectiveFrom: 2026-01-01
                  longContext:
                    - above: 100000
                      input: 3
            """, "tokentrace.yaml", Env);
        Assert.Equal("jsonl:/data/tt/usage", settings.Ledger);
        Assert.Equal("eu-north-1", settings.Region);
        Assert.Equal(7, settings.Files.CompressAfterDays);
        var catalog = settings.BuildCatalog();
        var mine = catalog.Find("my-model")!;
        Assert.Equal(0.0000015m, mine.Rates.Input);
        Assert.Equal(100_000, mine.LongContext.Single().AboveTokens);
        Assert.Equal("claude-haiku-4-5", catalog.Find("house-model")!.Name);
        Assert.Equal("gpt-4o", catalog.Find("ft:gpt-4o:acme::x")!.Name);
    }

    [Theory]
    [InlineData("ledger: sqlite:x.db\nregion: ${MISSING}\n", 2, "MISSING")]
    [InlineData("ledger: sqlite:a.db\nledgr: b\n", 2, "unknown key 'ledgr'")]
    [InlineData("prices:\n  overrides:\n    m:\n      input: cheap\n", 4, "expected a number")]
    [InlineData("files:\n  retentionDays: -3\n", 2, "whole number")]
    [InlineData("ledger: [unclosed\n", 2, "not valid YAML")]
    [InlineData("ledger: nowhere\n", 1, "expected SCHEME:LOCATION")]
    [InlineData("region: ${BAD\n", 1, "not closed")]
    [InlineData("impact:\n  basis: hopeful\n", 2, "location or market")]
    [InlineData("budgets:\n  - name: x\n    limit: 1\n    period: hourly\n", 2, "period 'hourly'")]
    [InlineData("budgets:\n  - name: x\n    period: daily\n", 2, "needs 'name', 'limit' and 'period'")]
    [InlineData("budgets:\n  - name: x\n    limit: 1\n    period: daily\n    scope: { colour: red }\n", 2, "unknown field 'colour'")]
    [InlineData("alerts:\n  webhooks:\n    - url: ftp://x\n", 3, "absolute http(s) URL")]
    [InlineData("impact:\n  regions:\n    anthropic: atlantis-1\n", 3, "unknown region")]
    [InlineData("kiro:\n  enabled: maybe\n", 2, "'kiro.enabled': expected true or false")]
    [InlineData("kiro:\n  ledger: nowhere\n", 2, "kiro.ledger 'nowhere': expected SCHEME:LOCATION")]
    [InlineData("kiro:\n  modle: x\n", 2, "unknown key 'modle'")]
    public void A_bad_file_names_the_path_line_and_what_was_expected(string text, int line, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => TokenTraceSettingsLoader.Parse(text, "/etc/tt.yaml", Env));
        Assert.StartsWith($"/etc/tt.yaml:{line}:", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_kiro_section_turns_the_hook_off_and_names_its_ledger_and_model()
    {
        var defaults = TokenTraceSettingsLoader.Parse("region: DE\n", "t.yaml", Env).Kiro;
        Assert.Equal((true, null, "kiro"), (defaults.Enabled, defaults.Ledger, defaults.Model));

        var kiro = TokenTraceSettingsLoader.Parse("kiro:\n  enabled: false\n  ledger: csv:~/kiro-usage.csv\n  model: claude-sonnet-4-5\n", "t.yaml", Env).Kiro;
        Assert.Equal((false, "csv:~/kiro-usage.csv", "claude-sonnet-4-5"), (kiro.Enabled, kiro.Ledger, kiro.Model));
    }

    [Fact]
    public void The_impact_section_sets_basis_and_regions_by_model_or_provider()
    {
        var settings = TokenTraceSettingsLoader.Parse("region: DE\nimpact:\n  basis: market\n  regions:\n    anthropic: eu-west-3\n    gpt-4o: swedencentral\n", "t.yaml", Env);
        Assert.Equal(CarbonBasis.Market, settings.Impact.Basis);
        var estimator = settings.BuildEstimator(PriceCatalog.BuiltIn);
        var record = new UsageRecord { Id = "a", Timestamp = DateTimeOffset.UtcNow, Model = "gpt-4o", Tokens = new TokenCounts { Output = 10 } };
        Assert.Equal("swedencentral", estimator.Estimate(record)!.Region);
        Assert.Equal("DE", estimator.Estimate(record with { Model = "grok-4" })!.Region);
    }

    [Fact]
    public void Budgets_and_webhooks_are_declared_in_the_file()
    {
        var settings = TokenTraceSettingsLoader.Parse("""
            budgets:
              - name: docs-month
                limit: 50
                period: monthly
                timeZone: Europe/Paris
                mode: hard
                alertAt: [75, 100]
                scope: { project: docs, "tag:team": a }
            alerts:
              webhooks:
                - url: https://hooks.example/tt
                  secret: ${HOOK_SECRET:-dev}
            """, "t.yaml", Env);
        var budget = Assert.Single(settings.BuildBudgets());
        Assert.Equal(BudgetMode.Hard, budget.Mode);
        Assert.Equal([75, 100], budget.AlertAt);
        Assert.Equal("project=docs, tag:team=a", BudgetScope.ToText(budget.Scope));
        Assert.Equal("dev", Assert.Single(settings.Alerts.Webhooks).Secret);
    }

    [Fact]
    public void Environment_overrides_beat_the_file()
    {
        using var temp = new TempDirectory();
        var path = temp.File("c.yaml");
        File.WriteAllText(path, "ledger: sqlite:/a.db\nregion: us-east-1\n");
        var settings = TokenTraceSettingsLoader.Load(path, name => name switch { "TOKENTRACE_LEDGER" => "csv:/b.csv", _ => null });
        Assert.Equal("csv:/b.csv", settings.Ledger);
        Assert.Equal("us-east-1", settings.Region);
    }
}
