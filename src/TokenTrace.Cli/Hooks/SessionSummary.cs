using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using TokenTrace.Hosting;

namespace TokenTrace.Cli;

/// <summary>
/// What one Claude Code session used, from the ledger: tokens by bucket, cost, energy and CO2e with their ranges, and the
/// models by cost. Written as text for the user and as JSON under <c>$TOKENTRACE_HOME/sessions/</c>.
/// </summary>
internal sealed class SessionSummary
{
    /// <summary>How many models the text lists (the JSON has them all).</summary>
    private const int TopModels = 3;

    private SessionSummary(string sessionId, string? project, string? reason, DateTimeOffset at, UsageSummary byModel)
    {
        SessionId = sessionId;
        Project = project;
        Reason = reason;
        At = at;
        ByModel = byModel;
    }

    public string SessionId { get; }

    public string? Project { get; }

    public string? Reason { get; }

    public DateTimeOffset At { get; }

    public UsageSummary ByModel { get; }

    public UsageTotals Total => ByModel.Total;

    /// <summary>The folder session summaries are saved in.</summary>
    public static string Folder => Path.Combine(TokenTraceEnvironment.Home, "sessions");

    public static async Task<SessionSummary> BuildAsync(IUsageLedger ledger, string sessionId, string? project, string? reason, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var query = new UsageQuery { Session = sessionId, Source = UsageSources.ClaudeCode };
        var summary = await ledger.SummarizeAsync(query, [SummaryDimension.Model], TimeZoneInfo.Utc, cancellationToken).ConfigureAwait(false);
        return new SessionSummary(sessionId, project, reason, at, summary);
    }

    /// <summary>Models by cost, then by tokens (an unpriced model still shows where its tokens went).</summary>
    public IReadOnlyList<SummaryRow> Models =>
        [.. ByModel.Rows.OrderByDescending(r => r.Totals.CostUsd).ThenByDescending(r => r.Totals.TotalTokens).ThenBy(r => r.Key.GetValueOrDefault("model"), StringComparer.Ordinal)];

    public string ToText()
    {
        var t = Total;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"TokenTrace — Claude Code session {SessionId}");
        text.AppendLine(Project is null ? "" : $" ({Project})");
        if (t.Records == 0)
        {
            text.AppendLine("No model responses recorded for this session.");
            return text.ToString();
        }

        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Tokens: {t.TotalTokens:N0} = {t.InputTokens:N0} input + {t.OutputTokens:N0} output + {t.CacheReadTokens:N0} cache read + {t.CacheWriteTokens:N0} cache write ({t.Records:N0} responses)"));
        var cost = Money.Format(Money.KnownCost(t));
        text.AppendLine(t.UnpricedRecords == 0 ? $"Cost: {cost}" : string.Create(CultureInfo.InvariantCulture, $"Cost: {cost} ({t.UnpricedRecords:N0} responses of unknown price not included)"));
        if (t.EnergyWh is { } energy && t.Co2eGrams is { } co2e)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Energy: {Units.Energy(energy.Central)} (range {Units.Energy(energy.Low)} – {Units.Energy(energy.High)})");
            text.AppendLine(CultureInfo.InvariantCulture, $"CO2e: {Units.Co2e(co2e.Central)} (range {Units.Co2e(co2e.Low)} – {Units.Co2e(co2e.High)})");
        }

        var top = Models.Take(TopModels).Select(r => string.Create(CultureInfo.InvariantCulture,
            $"{r.Key.GetValueOrDefault("model") ?? "(none)"} {Money.Format(Money.KnownCost(r.Totals))} ({r.Totals.TotalTokens:N0} tokens)"));
        text.AppendLine("Top models: " + string.Join(", ", top));
        return text.ToString();
    }

    /// <summary>
    /// Writes the summary to <see cref="Folder"/> as JSON (for tools) and Markdown (for people), each replacing an earlier
    /// one of the same session whole, and returns the JSON file's path.
    /// </summary>
    public string Save()
    {
        // Owner-only, whole or not at all (a reader never sees half a summary), like the ledger and the cursors: a
        // summary names the user's projects and what they spent.
        SecureFile.EnsureDirectory(Folder);
        var path = Path.Combine(Folder, SessionFileName.For(SessionId));
        SecureFile.WriteAllBytesAtomic(path + ".md", Encoding.UTF8.GetBytes(ToMarkdown()));
        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteJson(writer);
        }

        SecureFile.WriteAllBytesAtomic(path + ".json", json.WrittenSpan);
        return path + ".json";
    }

    /// <summary>The summary as a Markdown page: the text's figures, and every model in a table.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# Claude Code session {Cell(SessionId)}\n\n");
        foreach (var line in ToText().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Where(l => !l.StartsWith("Top models:", StringComparison.Ordinal)))
        {
            text.Append(CultureInfo.InvariantCulture, $"- {Cell(line.TrimEnd('\r'))}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"- Project: {Cell(Project ?? "(none)")}; ended {At.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC ({Cell(Reason ?? "no reason given")})\n");
        if (Models.Count == 0)
        {
            return text.ToString();
        }

        text.Append("\n| Model | Responses | Tokens | Cost | Energy | CO2e |\n|---|---:|---:|---:|---:|---:|\n");
        foreach (var row in Models)
        {
            var t = row.Totals;
            text.Append(CultureInfo.InvariantCulture,
                $"| {Cell(row.Key.GetValueOrDefault("model") ?? "(none)")} | {t.Records:N0} | {t.TotalTokens:N0} | {Money.Format(Money.KnownCost(t))} | {(t.EnergyWh is { } e ? Units.Energy(e.Central) : "–")} | {(t.Co2eGrams is { } c ? Units.Co2e(c.Central) : "–")} |\n");
        }

        return text.ToString();
    }

    /// <summary>Text from the session (ids and folders come from the hook's input) that cannot break a Markdown line or table.</summary>
    private static string Cell(string value) => value.Replace("|", "\\|", StringComparison.Ordinal).Replace('\n', ' ').Replace('\r', ' ');

    public void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("sessionId", SessionId);
        writer.WriteString("source", UsageSources.ClaudeCode);
        writer.WriteString("project", Project);
        writer.WriteString("reason", Reason);
        writer.WriteString("endedAt", At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        writer.WriteStartObject("total");
        SummaryOutput.WriteTotals(writer, Total);
        writer.WriteEndObject();
        writer.WriteStartArray("models");
        foreach (var row in Models)
        {
            writer.WriteStartObject();
            writer.WriteString("model", row.Key.GetValueOrDefault("model"));
            SummaryOutput.WriteTotals(writer, row.Totals);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
