using System.Text.Json;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

public sealed class InjectionTests
{
    [Fact]
    public async Task An_argument_starting_with_at_is_stored_as_the_literal_text_not_a_response_file()
    {
        using var home = new TempDirectory();
        // A response file that, if read, would redirect the record to another ledger with 50 M output tokens.
        await File.WriteAllTextAsync(home.File("rsp.txt"), $"--ledger jsonl:{home.File("elsewhere")} --output 50000000\n");
        var record = await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "10", "--user", "@/etc/hostname", "--project", "@rsp.txt");
        Assert.Equal(0, record.ExitCode);
        Assert.False(Directory.Exists(home.File("elsewhere")));

        var summary = await CliRunner.RunAsync(home.Path, "summary", "--by", "user", "--by", "project", "--format", "json");
        Assert.Equal(0, summary.ExitCode);
        var row = Assert.Single(JsonDocument.Parse(summary.Out).RootElement.GetProperty("rows").EnumerateArray());
        Assert.Equal("@/etc/hostname", row.GetProperty("key").GetProperty("user").GetString());
        Assert.Equal("@rsp.txt", row.GetProperty("key").GetProperty("project").GetString());
        Assert.Equal(0, row.GetProperty("outputTokens").GetInt64());
    }

    [Fact]
    public async Task Escape_sequences_in_a_stored_name_never_reach_the_terminal_and_the_data_formats_keep_the_name_exact()
    {
        using var home = new TempDirectory();
        // A coding agent's log can carry any text: this project name retitles the window (OSC 0), clears the screen and
        // breaks a table's row in two.
        const string Hostile = "web\u001b]0;pwned\u0007\u001b[2J\nroot\u009b";
        var file = home.File("hostile.jsonl");
        await File.WriteAllTextAsync(file, "{\"id\":\"h1\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"model\":\"gpt-4o\",\"input\":1000,\"project\":" + JsonSerializer.Serialize(Hostile) + "}\n");
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "import", file)).ExitCode);

        foreach (var format in new[] { "table", "markdown" })
        {
            var shown = await CliRunner.RunAsync(home.Path, "summary", "--by", "project", "--tz", "UTC", "--format", format);
            Assert.True(shown.ExitCode == 0, shown.Error);
            Assert.DoesNotContain(shown.Out, c => char.IsControl(c) && c != '\n');
            Assert.Contains("web\uFFFD]0;pwned\uFFFD\uFFFD[2J", shown.Out, StringComparison.Ordinal);
        }

        // One line for the row: the line break in the name did not split it.
        var table = await CliRunner.RunAsync(home.Path, "summary", "--by", "project", "--tz", "UTC");
        Assert.Single(table.Out.Split('\n'), line => line.Contains("pwned", StringComparison.Ordinal));
        Assert.Contains(table.Out.Split('\n'), line => line.Contains("root\uFFFD", StringComparison.Ordinal) && line.Contains("pwned", StringComparison.Ordinal));

        var json = await CliRunner.RunAsync(home.Path, "summary", "--by", "project", "--format", "json");
        var row = Assert.Single(JsonDocument.Parse(json.Out).RootElement.GetProperty("rows").EnumerateArray());
        Assert.Equal(Hostile, row.GetProperty("key").GetProperty("project").GetString());
    }
}

public sealed class InsecureHttpTests
{
    [Theory]
    [InlineData("http://prices.example.com/model_prices.json")]
    [InlineData("http://prices.example.com/model_prices.json", "--allow-insecure-http")]
    [InlineData("http://127.0.0.1:9/model_prices.json")]
    public async Task Prices_import_refuses_plain_http_unless_allowed_and_loopback(params string[] args)
    {
        using var home = new TempDirectory();
        var result = await CliRunner.RunAsync(home.Path, ["prices", "import", .. args]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("plain http", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(home.Path, "prices")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  allowInsecureHttp: true\n")]
    public async Task A_plain_http_webhook_in_the_config_exits_2_without_echoing_its_token(string allow)
    {
        using var home = new TempDirectory();
        await File.WriteAllTextAsync(home.File("tokentrace.yaml"), $"alerts:\n{allow}  webhooks:\n    - url: http://hooks.example.com/services/T0/B0/tok3n\n");
        var result = await CliRunner.RunAsync(home.Path, "budget", "check");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("tokentrace.yaml:", result.Error, StringComparison.Ordinal);
        Assert.Contains("plain http", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("tok3n", result.Error, StringComparison.Ordinal);
    }
}
