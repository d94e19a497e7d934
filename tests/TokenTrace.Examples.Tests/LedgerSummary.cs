using System.Text.Json;

namespace TokenTrace.Examples.Tests;

/// <summary>What the real <c>tokentrace summary --format json</c> reads back from an example's ledger.</summary>
internal static class LedgerSummary
{
    /// <summary>The rows of <c>tokentrace summary --ledger sqlite:FILE --by … --format json</c>, keyed by their dimension values joined with '|'.</summary>
    public static async Task<Dictionary<string, JsonElement>> RowsAsync(string home, string ledgerFile, params string[] by)
    {
        string[] args = ["summary", "--ledger", "sqlite:" + ledgerFile, "--format", "json", .. by.SelectMany(d => new[] { "--by", d })];
        using var json = JsonDocument.Parse(await DotnetProcess.RunToSuccessAsync("TokenTrace.Cli.dll", home, args));
        return json.RootElement.GetProperty("rows").EnumerateArray().ToDictionary(
            row => string.Join('|', by.Select(d => row.GetProperty("key").GetProperty(d).GetString())),
            row => row.Clone());
    }
}
