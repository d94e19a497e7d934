using System.Buffers;
using System.Text;
using System.Text.Json;

namespace TokenTrace;

/// <summary>Budgets as JSON, the form the ledgers store them in (a ledger that keeps budgets stores this text per budget).</summary>
public static class BudgetJson
{
    /// <summary>Writes <paramref name="b"/> as a JSON object.</summary>
    public static void Write(Utf8JsonWriter w, Budget b)
    {
        w.WriteStartObject();
        w.WriteString("name", b.Name);
        w.WriteString("period", b.Period.Name);
        w.WriteString("timeZone", b.TimeZone);
        w.WriteNumber("limit", b.Limit);
        w.WriteString("unit", b.Unit.ToString().ToLowerInvariant());
        w.WriteString("mode", b.Mode.ToString().ToLowerInvariant());
        w.WriteStartArray("alertAt");
        foreach (var p in b.AlertAt)
        {
            w.WriteNumberValue(p);
        }

        w.WriteEndArray();
        w.WriteStartObject("scope");
        foreach (var (key, value) in BudgetScope.Describe(b.Scope))
        {
            w.WriteString(key, value);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary><paramref name="b"/> as compact JSON text.</summary>
    public static string ToText(Budget b)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, b);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads a budget from a JSON object.</summary>
    /// <exception cref="FormatException">The object is not a valid budget; the message names the field.</exception>
    public static Budget Read(JsonElement e)
    {
        var scope = new List<string>();
        if (e.TryGetProperty("scope", out var s))
        {
            foreach (var p in s.EnumerateObject())
            {
                scope.Add(p.Name + "=" + p.Value.GetString());
            }
        }

        return new Budget
        {
            Name = e.GetProperty("name").GetString()!,
            Period = BudgetPeriod.Parse(e.GetProperty("period").GetString()!),
            TimeZone = e.GetProperty("timeZone").GetString()!,
            Limit = e.GetProperty("limit").GetDecimal(),
            Unit = BudgetUnits.Parse(e.GetProperty("unit").GetString()!),
            Mode = e.GetProperty("mode").GetString() == "hard" ? BudgetMode.Hard : BudgetMode.Soft,
            AlertAt = [.. e.GetProperty("alertAt").EnumerateArray().Select(p => p.GetInt32())],
            Scope = BudgetScope.Parse(scope),
        };
    }

    /// <summary>Reads a budget from JSON text.</summary>
    /// <exception cref="FormatException">The text is not a valid budget; the message names the field.</exception>
    public static Budget FromText(string text)
    {
        using var document = JsonDocument.Parse(text);
        return Read(document.RootElement);
    }
}
