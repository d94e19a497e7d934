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
}
