using System.Globalization;
using System.Text.Json;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary>
/// <c>tokentrace blocks</c> on a hand-made Claude Code history of two sessions. claude-sonnet-4-5 costs $3 per million
/// input tokens and $15 per million output tokens, so every cost below is worked out from the lines' counts.
/// </summary>
public sealed class BlocksCliTests
{
    // Times (UTC, 2026-03-01) and the block each falls in by the 5-hour rule:
    //   10:20 s1, 12:00 s1, 14:30 s2, 15:00:00.000 s2  → block 10:00–15:00 (15:00 exactly is still in it)
    //   15:00:00.001 s1, 16:59 s2                       → block 15:00–20:00 (more than 5 h after 10:00)
    //   23:00 s1                                        → 6 h 01 m after 16:59: a gap 21:59–23:00, then block 23:00–04:00
    private static readonly (string Session, string Message, string At, long Input, long Output)[] Calls =
    [
        ("s1", "m1", "2026-03-01T10:20:00.000Z", 1000, 100),
        ("s1", "m2", "2026-03-01T12:00:00.000Z", 2000, 200),
        ("s2", "m3", "2026-03-01T14:30:00.000Z", 500, 50),
        ("s2", "m4", "2026-03-01T15:00:00.000Z", 3000, 300),
        ("s1", "m5", "2026-03-01T15:00:00.001Z", 4000, 400),
        ("s2", "m6", "2026-03-01T16:59:00.000Z", 100, 10),
        ("s1", "m7", "2026-03-01T23:00:00.000Z", 500, 50),
    ];

    [Fact]
    public async Task Blocks_follow_the_five_hour_rule_with_a_record_on_the_boundary_and_a_gap_and_leave_other_sources_out()
    {
        using var home = History();
        // A call from the user's own app in the first block's hours: not a coding agent's, so not in the blocks.
        var app = await CliRunner.RunAsync(home.Path, Environment(home), "record", "--model", "gpt-4o", "--input", "1000000", "--at", "2026-03-01T11:00:00Z");
        Assert.True(app.ExitCode == 0, app.Error);

        var result = await CliRunner.RunAsync(home.Path, Environment(home), "blocks", "--format", "json");
        Assert.True(result.ExitCode == 0, result.Error);
        var json = JsonDocument.Parse(result.Out).RootElement;
        var rows = json.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(
            [
                ("2026-03-01T10:00:00Z", "2026-03-01T15:00:00Z", "2026-03-01T10:20:00Z", "2026-03-01T15:00:00Z", false),
                ("2026-03-01T15:00:00Z", "2026-03-01T20:00:00Z", "2026-03-01T15:00:00.001Z", "2026-03-01T16:59:00Z", false),
                ("2026-03-01T21:59:00Z", "2026-03-01T23:00:00Z", "2026-03-01T21:59:00Z", "2026-03-01T23:00:00Z", true),
                ("2026-03-01T23:00:00Z", "2026-03-02T04:00:00Z", "2026-03-01T23:00:00Z", "2026-03-01T23:00:00Z", false),
            ],
            rows.Select(r => (Text(r, "start"), Text(r, "end"), Text(r, "firstActivity"), Text(r, "lastActivity"), r.GetProperty("isGap").GetBoolean())));

        // Block 1: m1–m4, 6,500 input and 650 output: $0.0195 + $0.00975. Block 2: m5, m6, 4,100 and 410: $0.0123 +
        // $0.00615. The gap: nothing. Block 3: m7, 500 and 50: $0.0015 + $0.00075.
        Assert.Equal([4L, 2L, 0L, 1L], rows.Select(r => r.GetProperty("records").GetInt64()));
        Assert.Equal([7150L, 4510L, 0L, 550L], rows.Select(r => r.GetProperty("totalTokens").GetInt64()));
        Assert.Equal([0.02925m, 0.01845m, 0m, 0.00225m], rows.Select(r => r.GetProperty("costUsd").GetDecimal()));
        Assert.All(rows, r => Assert.False(r.GetProperty("isActive").GetBoolean())); // the clock is today, months later
        Assert.Equal(12210L, json.GetProperty("total").GetProperty("totalTokens").GetInt64());
        Assert.Equal(0.04995m, json.GetProperty("total").GetProperty("costUsd").GetDecimal());
        Assert.True(rows[0].GetProperty("energyWh").GetDouble() > 0 && rows[0].GetProperty("co2eGrams").GetDouble() > 0);
        Assert.Equal(["claude-sonnet-4-5-20250929"], rows[0].GetProperty("models").EnumerateArray().Select(m => m.GetString()));

        // --source names any source, the app's too: its one call is a block of its own.
        var cli = await CliRunner.RunAsync(home.Path, Environment(home), "blocks", "--source", "cli", "--no-sync", "--format", "json");
        var only = Assert.Single(JsonDocument.Parse(cli.Out).RootElement.GetProperty("rows").EnumerateArray());
        Assert.Equal(("2026-03-01T11:00:00Z", 1_000_000L), (Text(only, "start"), only.GetProperty("totalTokens").GetInt64()));
    }

    [Fact]
    public async Task Csv_has_a_row_per_block_and_gap_under_stable_columns_with_raw_values()
    {
        using var home = History();
        var result = await CliRunner.RunAsync(home.Path, Environment(home), "blocks", "--format", "csv");
        Assert.True(result.ExitCode == 0, result.Error);
        var lines = result.Out.TrimEnd('\n').Split('\n');
        Assert.Equal(
            "start,end,firstActivity,lastActivity,isActive,isGap,models,records,inputTokens,outputTokens,cacheReadTokens,cacheWriteTokens,cacheWrite1hTokens,reasoningTokens,totalTokens,costUsd,unpricedRecords,energyWh,energyWhLow,energyWhHigh,co2eGrams,co2eGramsLow,co2eGramsHigh",
            lines[0]);
        Assert.Equal(5, lines.Length);
        var cells = lines[1..].Select(l => l.Split(',')).ToList();
        Assert.Equal(["2026-03-01T10:00:00.0000000Z", "2026-03-01T15:00:00.0000000Z", "2026-03-01T21:59:00.0000000Z", "2026-03-01T23:00:00.0000000Z"], cells.Select(c => c[0]));
        Assert.Equal(["false", "false", "true", "false"], cells.Select(c => c[5]));
        Assert.Equal(["7150", "4510", "0", "550"], cells.Select(c => c[14]));
        Assert.Equal(["0.02925", "0.01845", "0", "0.00225"], cells.Select(c => c[15]));
    }

    [Fact]
    public async Task Active_shows_the_open_block_with_its_pace_since_the_first_record_and_the_projection_to_its_end()
    {
        using var home = History();
        // Now is 00:00, an hour after the last block's only record (23:00): 550 tokens and $0.00225 in 60 minutes, so
        // 550/60 tokens a minute and $0.00225 an hour; 240 minutes are left to 04:00, 4 times the 60 so far, so the
        // projection is 550 + 4 × 550 = 2,750 tokens and $0.00225 × 5 = $0.01125.
        var now = new Dictionary<string, string?>(Environment(home)) { ["TOKENTRACE_NOW"] = "2026-03-02T00:00:00Z" };
        var result = await CliRunner.RunAsync(home.Path, now, "blocks", "--active", "--format", "json");
        Assert.True(result.ExitCode == 0, result.Error);
        var block = Assert.Single(JsonDocument.Parse(result.Out).RootElement.GetProperty("rows").EnumerateArray());
        Assert.Equal(("2026-03-01T23:00:00Z", true, 550L), (Text(block, "start"), block.GetProperty("isActive").GetBoolean(), block.GetProperty("totalTokens").GetInt64()));
        Assert.Equal(["claude-sonnet-4-5-20250929"], block.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        var burn = block.GetProperty("burnRate");
        Assert.Equal(550.0 / 60, burn.GetProperty("tokensPerMinute").GetDouble(), 9);
        Assert.Equal(0.00225m, burn.GetProperty("costUsdPerHour").GetDecimal());
        var projection = block.GetProperty("projection");
        Assert.Equal((2750L, 0.01125m, 60L, 240L), (projection.GetProperty("totalTokens").GetInt64(), projection.GetProperty("costUsd").GetDecimal(), projection.GetProperty("elapsedMinutes").GetInt64(), projection.GetProperty("remainingMinutes").GetInt64()));

        // The table says the same to a person.
        var table = await CliRunner.RunAsync(home.Path, now, "blocks", "--active", "--no-sync", "--tz", "UTC");
        Assert.Matches(@"│ Elapsed +│ +1h 00m │", table.Out);
        Assert.Matches(@"│ Left +│ +4h 00m │", table.Out);
        Assert.Matches(@"│ Projected tokens +│ +2,750 │", table.Out);
        Assert.Matches(@"│ Projected cost +│ +\$0\.011 │", table.Out); // $0.01125 shown to two significant digits

        // Five hours after the last record nothing is open: no row, and a note for a person.
        var later = new Dictionary<string, string?>(Environment(home)) { ["TOKENTRACE_NOW"] = "2026-03-02T04:00:00Z" };
        var none = await CliRunner.RunAsync(home.Path, later, "blocks", "--active", "--no-sync", "--format", "json");
        Assert.Empty(JsonDocument.Parse(none.Out).RootElement.GetProperty("rows").EnumerateArray());
        var noneTable = await CliRunner.RunAsync(home.Path, later, "blocks", "--active", "--no-sync");
        Assert.Equal(("", 0), (noneTable.Out, noneTable.ExitCode));
        Assert.Contains("No active block", noneTable.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_filter_value_no_record_has_is_bad_input_as_in_the_other_views()
    {
        using var home = History();
        var result = await CliRunner.RunAsync(home.Path, Environment(home), "blocks", "--project", "/w/s3");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("/w/s1", result.Error, StringComparison.Ordinal); // the known projects are named
    }

    [Fact]
    public async Task A_bad_clock_override_is_bad_input()
    {
        using var home = History();
        var bad = new Dictionary<string, string?>(Environment(home)) { ["TOKENTRACE_NOW"] = "yesterday" };
        var result = await CliRunner.RunAsync(home.Path, bad, "blocks", "--active");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("TOKENTRACE_NOW", result.Error, StringComparison.Ordinal);
    }

    private static TempDirectory History()
    {
        var home = new TempDirectory();
        foreach (var session in Calls.GroupBy(c => c.Session))
        {
            var folder = Directory.CreateDirectory(Path.Combine(home.Path, "claude", "projects", "-w-" + session.Key)).FullName;
            File.WriteAllLines(Path.Combine(folder, session.Key + ".jsonl"), session.Select(c => Line(c.Session, c.Message, c.At, c.Input, c.Output)));
        }

        return home;
    }

    private static string Text(JsonElement row, string name) =>
        DateTimeOffset.Parse(row.GetProperty(name).GetString()!, CultureInfo.InvariantCulture).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFF'Z'", CultureInfo.InvariantCulture);

    internal static Dictionary<string, string?> Environment(TempDirectory home) => new()
    {
        ["HOME"] = home.Path,
        ["CLAUDE_CONFIG_DIR"] = Path.Combine(home.Path, "claude"),
        ["CODEX_HOME"] = Path.Combine(home.Path, "codex"),
        ["GEMINI_DATA_DIR"] = Path.Combine(home.Path, "gemini"),
        ["TOKENTRACE_STATUSLINE_CATCH_UP"] = "off",
    };

    internal static string Line(string session, string message, string at, long input, long output, string model = "claude-sonnet-4-5-20250929") =>
        $$"""{"timestamp":"{{at}}","sessionId":"{{session}}","cwd":"/w/{{session}}","type":"assistant","message":{"id":"{{message}}","model":"{{model}}","role":"assistant","stop_reason":"end_turn","usage":{"input_tokens":{{input}},"output_tokens":{{output}}""" + "}}" + $$""","requestId":"r-{{message}}"}""";
}
