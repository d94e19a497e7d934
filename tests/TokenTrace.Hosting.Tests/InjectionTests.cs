namespace TokenTrace.Hosting.Tests;

public sealed class InjectionTests
{
    [Fact]
    public void A_variable_holding_a_newline_and_a_key_stays_inside_its_value()
    {
        var settings = TokenTraceSettingsLoader.Parse("""
            alerts:
              webhooks:
                - url: https://hooks.example.com/x
                  secret: ${HOOK_SECRET}
            """, "tokentrace.yaml", name => name == "HOOK_SECRET" ? "abc\nledger: jsonl:/tmp/evil" : null);
        Assert.Null(settings.Ledger);
        Assert.Equal("abc\nledger: jsonl:/tmp/evil", Assert.Single(settings.Alerts.Webhooks).Secret);
    }

    [Fact]
    public void An_error_about_a_substituted_value_names_the_variable_and_key_but_never_prints_the_value()
    {
        var error = Assert.Throws<ConfigurationException>(() => TokenTraceSettingsLoader.Parse(
            "region: eu-west-1\nledger: ${DB_PASSWORD}\n", "/etc/tt.yaml", name => name == "DB_PASSWORD" ? "correct-horse-battery" : null));
        Assert.StartsWith("/etc/tt.yaml:2:", error.Message, StringComparison.Ordinal);
        Assert.Contains("${DB_PASSWORD}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("correct-horse-battery", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_variable_names_the_variable_and_the_key()
    {
        var error = Assert.Throws<ConfigurationException>(() => TokenTraceSettingsLoader.Parse("files:\n  retentionDays: ${KEEP}\n", "t.yaml", _ => null));
        Assert.StartsWith("t.yaml:2:", error.Message, StringComparison.Ordinal);
        Assert.Contains("KEEP", error.Message, StringComparison.Ordinal);
        Assert.Contains("retentionDays", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_catastrophic_pattern_answers_a_long_name_promptly()
    {
        var settings = TokenTraceSettingsLoader.Parse("prices:\n  patterns:\n    - match: \"^(a+)+$\"\n      model: gpt-4o\n", "t.yaml", _ => null);
        var catalog = settings.BuildCatalog();
        var find = Task.Run(() => (Long: catalog.Find(new string('a', 100_000) + "!"), Short: catalog.Find("aaaa")));
        var (longName, shortName) = await find.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(longName);
        Assert.Equal("gpt-4o", shortName!.Name);
    }

    [Fact]
    public void A_pattern_that_is_not_a_regular_expression_is_a_config_error_naming_its_line()
    {
        var error = Assert.Throws<ConfigurationException>(() => TokenTraceSettingsLoader.Parse("prices:\n  patterns:\n    - match: \"^(a+\"\n      model: gpt-4o\n", "t.yaml", _ => null));
        Assert.StartsWith("t.yaml:3:", error.Message, StringComparison.Ordinal);
    }
}
