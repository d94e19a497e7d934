using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TokenTrace;

/// <summary>
/// The flat field list of a stored record, shared by the JSONL and CSV formats (and <c>export</c>/<c>import</c>):
/// one name per field, each value written as text that reads back to exactly the same value. A store that keeps records
/// as rows of text (a database table, a spreadsheet, a key-value store) maps them with <see cref="ToText"/> and
/// <see cref="FromText"/> and round-trips every field, including ones added later.
/// </summary>
public static class UsageRecordFields
{
    /// <summary>The field names, in storage order (camelCase, as in the JSONL ledger and <c>export</c>).</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "id", "timestamp", "provider", "model", "operation",
        "input", "cacheRead", "cacheWrite", "cacheWrite1h", "output", "reasoning", "extra",
        "project", "job", "task", "agent", "session", "user", "tags",
        "serviceTier", "costUsd", "priceEntry", "priceEffectiveFrom", "priceCatalog",
        "energyWh", "energyWhLow", "energyWhHigh", "co2eGrams", "co2eGramsLow", "co2eGramsHigh", "region",
        "source", "latencyMs", "status",
    ];

    /// <summary>Fields whose text is a JSON object (tags, extra) or a number: written unquoted in JSON.</summary>
    public static UsageRecordFieldKind KindOf(int index) => Names[index] switch
    {
        "extra" or "tags" => UsageRecordFieldKind.Object,
        "input" or "cacheRead" or "cacheWrite" or "cacheWrite1h" or "output" or "reasoning" or "costUsd" or "latencyMs"
            or "energyWh" or "energyWhLow" or "energyWhHigh" or "co2eGrams" or "co2eGramsLow" or "co2eGramsHigh" => UsageRecordFieldKind.Number,
        _ => UsageRecordFieldKind.String,
    };

    /// <summary>The position of each field name in <see cref="Names"/>.</summary>
    public static IReadOnlyDictionary<string, int> IndexOf { get; } = Names.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);

    /// <summary>The record as one text value per field (null where the record has none).</summary>
    public static string?[] ToText(UsageRecord r)
    {
        var t = r.Tokens;
        var a = r.Attribution;
        var energy = r.Impact?.EnergyWh;
        var co2e = r.Impact?.Co2eGrams;
        return
        [
            r.Id, r.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), r.Provider, r.Model, r.Operation,
            Long(t.Input), Long(t.CacheRead), Long(t.CacheWrite), Long(t.CacheWrite1h), Long(t.Output), Long(t.Reasoning),
            ExtraText(t),
            a.Project, a.Job, a.Task, a.Agent, a.Session, a.User,
            TagsText(a),
            r.ServiceTier, DecimalCanonical.Trim(r.CostUsd)?.ToString(CultureInfo.InvariantCulture), r.Price?.Entry,
            r.Price?.EffectiveFrom?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), r.Price?.Catalog,
            Double(energy?.Central), Double(energy?.Low), Double(energy?.High),
            Double(co2e?.Central), Double(co2e?.Low), Double(co2e?.High), r.Region,
            r.Source, Double(r.LatencyMs), r.Status,
        ];

        static string Long(long value) => value.ToString(CultureInfo.InvariantCulture);
        static string? Double(double? value) => value?.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>The extra counts as a JSON object, or null when there are none.</summary>
    public static string? ExtraText(TokenCounts t) => t.Extra.Count == 0 ? null : JsonObject(t.Extra, static (w, v) => w.WriteNumberValue(v));

    /// <summary>The tags as a JSON object, or null when there are none.</summary>
    public static string? TagsText(Attribution a) => a.Tags.Count == 0 ? null : JsonObject(a.Tags, static (w, v) => w.WriteStringValue(v));

    /// <summary>The tags of <see cref="TagsText"/> read back (empty for null).</summary>
    /// <exception cref="RecordFieldException">The text is not a JSON object of strings.</exception>
    public static IReadOnlyDictionary<string, string> TagsFromText(string? text) =>
        ParseObject(text, "tags", static (ref Utf8JsonReader reader) =>
            reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new FormatException("expected a string value"),
            Attribution.EmptyTags);

    /// <summary>The extra counts of <see cref="ExtraText"/> read back (empty for null).</summary>
    /// <exception cref="RecordFieldException">The text is not a JSON object of whole numbers of at least 0.</exception>
    public static IReadOnlyDictionary<string, long> ExtraFromText(string? text) =>
        ParseObject(text, "extra", static (ref Utf8JsonReader reader) =>
            reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n) && n >= 0 ? n : throw new FormatException("expected a whole number of at least 0"),
            TokenCounts.EmptyExtra);

    /// <summary>Reads a record back from one text value per field; absent fields are null.</summary>
    /// <exception cref="RecordFieldException">A field is missing or malformed.</exception>
    public static UsageRecord FromText(string?[] v)
    {
        var tokens = new TokenCounts
        {
            Input = Count(v, "input"),
            CacheRead = Count(v, "cacheRead"),
            CacheWrite = Count(v, "cacheWrite"),
            CacheWrite1h = Count(v, "cacheWrite1h"),
            Output = Count(v, "output"),
            Reasoning = Count(v, "reasoning"),
            Extra = ExtraFromText(Get(v, "extra")),
        };

        var energy = Range(v, "energyWh");
        var co2e = Range(v, "co2eGrams");
        ImpactEstimate? impact = energy is null && co2e is null ? null
            : energy is null || co2e is null ? throw new RecordFieldException(energy is null ? "energyWh" : "co2eGrams", "energy and emissions must be given together")
            : new ImpactEstimate(energy.Value, co2e.Value);

        var priceEntry = Get(v, "priceEntry");
        var cost = Decimal(v, "costUsd");
        return new UsageRecord
        {
            Id = Required(v, "id"),
            Timestamp = Instant(v, "timestamp"),
            Provider = Get(v, "provider"),
            Model = Required(v, "model"),
            Operation = Get(v, "operation") ?? UsageOperations.Chat,
            Tokens = tokens,
            Attribution = new Attribution
            {
                Project = Get(v, "project"),
                Job = Get(v, "job"),
                Task = Get(v, "task"),
                Agent = Get(v, "agent"),
                Session = Get(v, "session"),
                User = Get(v, "user"),
                Tags = TagsFromText(Get(v, "tags")),
            },
            ServiceTier = Get(v, "serviceTier"),
            CostUsd = cost,
            Price = priceEntry is null ? null : new PriceReference(priceEntry, Date(v, "priceEffectiveFrom"), Get(v, "priceCatalog") ?? ""),
            Impact = impact,
            Region = Get(v, "region"),
            Source = Get(v, "source") ?? UsageSources.Import,
            LatencyMs = Double(v, "latencyMs"),
            Status = Get(v, "status"),
        };
    }

    private static string? Get(string?[] v, string name) => v[IndexOf[name]];

    private static string Required(string?[] v, string name) =>
        Get(v, name) is { Length: > 0 } text ? text : throw new RecordFieldException(name, "is required");

    private static long Count(string?[] v, string name)
    {
        var text = Get(v, name);
        if (text is null)
        {
            return 0;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new RecordFieldException(name, $"'{Clip(text)}' is not a whole number of at least 0");
    }

    private static decimal? Decimal(string?[] v, string name)
    {
        var text = Get(v, name);
        if (text is null)
        {
            return null;
        }

        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d
            : throw new RecordFieldException(name, $"'{Clip(text)}' is not a number");
    }

    private static double? Double(string?[] v, string name)
    {
        var text = Get(v, name);
        if (text is null)
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            ? d
            : throw new RecordFieldException(name, $"'{Clip(text)}' is not a finite number");
    }

    private static EstimateRange? Range(string?[] v, string name)
    {
        var central = Double(v, name);
        var low = Double(v, name + "Low");
        var high = Double(v, name + "High");
        if (central is null && low is null && high is null)
        {
            return null;
        }

        return central is { } c ? new EstimateRange(low ?? c, c, high ?? c) : throw new RecordFieldException(name, "low/high given without a central value");
    }

    private static DateTimeOffset Instant(string?[] v, string name)
    {
        var text = Required(v, name);
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant)
            ? instant.ToUniversalTime()
            : throw new RecordFieldException(name, $"'{Clip(text)}' is not an ISO 8601 instant");
    }

    private static DateOnly? Date(string?[] v, string name)
    {
        var text = Get(v, name);
        if (text is null)
        {
            return null;
        }

        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new RecordFieldException(name, $"'{Clip(text)}' is not a date (yyyy-MM-dd)");
    }

    private delegate T ValueReader<T>(ref Utf8JsonReader reader);

    private static IReadOnlyDictionary<string, T> ParseObject<T>(string? text, string name, ValueReader<T> read, IReadOnlyDictionary<string, T> empty)
    {
        if (text is null)
        {
            return empty;
        }

        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new FormatException("expected a JSON object");
            }

            var result = new Dictionary<string, T>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var key = reader.GetString()!;
                reader.Read();
                result[key] = read(ref reader);
            }

            return result.Count == 0 ? empty : result;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException)
        {
            throw new RecordFieldException(name, ex.Message);
        }
    }

    private static string JsonObject<T>(IReadOnlyDictionary<string, T> values, Action<Utf8JsonWriter, T> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in values.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.WritePropertyName(key);
                write(writer, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
