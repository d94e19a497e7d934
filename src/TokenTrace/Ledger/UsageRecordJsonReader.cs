using System.Globalization;
using System.Text.Json;

namespace TokenTrace;

/// <summary>
/// The fast path of reading a JSON line: <see cref="Utf8JsonReader"/> straight into the record, numbers parsed from
/// their UTF-8 bytes, repeated strings interned by their bytes. It takes only lines in the shape the writers produce
/// (every value of its natural JSON type, each field once, timestamps as <c>yyyy-MM-ddTHH:mm:ss[.fffffff]Z</c>) and
/// answers null for anything else, which <see cref="UsageRecordJson.Parse"/> then reads: one parser decides what a
/// line means and what its errors say, the other only makes the common case cheap.
/// </summary>
internal sealed class UsageRecordJsonReader
{
    private readonly Utf8StringInterner _strings = new();

    /// <summary>The record on <paramref name="line"/> (valid UTF-8, as the file reader checks first), or null when the line is not in the common shape (it may still be valid).</summary>
    public UsageRecord? TryParse(ReadOnlySpan<byte> line)
    {
        try
        {
            return Parse(line);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    private UsageRecord? Parse(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        string? id = null, provider = null, model = null, operation = null, project = null, job = null, task = null, agent = null, session = null, user = null;
        string? serviceTier = null, priceEntry = null, priceEffectiveFrom = null, priceCatalog = null, region = null, source = null, status = null;
        DateTimeOffset? timestamp = null;
        long input = 0, cacheRead = 0, cacheWrite = 0, cacheWrite1h = 0, output = 0, reasoning = 0;
        decimal? cost = null;
        double? energy = null, energyLow = null, energyHigh = null, co2e = null, co2eLow = null, co2eHigh = null, latency = null;
        IReadOnlyDictionary<string, long> extra = TokenCounts.EmptyExtra;
        IReadOnlyDictionary<string, string> tags = Attribution.EmptyTags;
        ulong seen = 0;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                return null;
            }

            var field = FieldOf(reader.ValueSpan);
            reader.Read();
            if (field < 0)
            {
                reader.Skip(); // unknown fields from newer versions are ignored
                continue;
            }

            if ((seen & (1UL << field)) != 0)
            {
                return null; // given twice: the full parser names the field
            }

            seen |= 1UL << field;
            var isNull = reader.TokenType == JsonTokenType.Null;
            var ok = field switch
            {
                0 => Plain(ref reader, out id),
                1 => isNull || Instant(ref reader, out timestamp),
                2 => Interned(ref reader, out provider),
                3 => Interned(ref reader, out model),
                4 => Interned(ref reader, out operation),
                5 => Count(ref reader, out input),
                6 => Count(ref reader, out cacheRead),
                7 => Count(ref reader, out cacheWrite),
                8 => Count(ref reader, out cacheWrite1h),
                9 => Count(ref reader, out output),
                10 => Count(ref reader, out reasoning),
                11 => isNull || Extra(ref reader, out extra),
                12 => Interned(ref reader, out project),
                13 => Interned(ref reader, out job),
                14 => Interned(ref reader, out task),
                15 => Interned(ref reader, out agent),
                16 => Interned(ref reader, out session),
                17 => Interned(ref reader, out user),
                18 => isNull || Tags(ref reader, out tags),
                19 => Interned(ref reader, out serviceTier),
                20 => Decimal(ref reader, out cost),
                21 => Interned(ref reader, out priceEntry),
                22 => Plain(ref reader, out priceEffectiveFrom),
                23 => Interned(ref reader, out priceCatalog),
                24 => Double(ref reader, out energy),
                25 => Double(ref reader, out energyLow),
                26 => Double(ref reader, out energyHigh),
                27 => Double(ref reader, out co2e),
                28 => Double(ref reader, out co2eLow),
                29 => Double(ref reader, out co2eHigh),
                30 => Interned(ref reader, out region),
                31 => Interned(ref reader, out source),
                32 => Double(ref reader, out latency),
                33 => Interned(ref reader, out status),
                _ => false,
            };
            if (!ok)
            {
                return null;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return null;
        }

        if (id is not { Length: > 0 } || model is not { Length: > 0 } || timestamp is null)
        {
            return null;
        }

        var energyRange = Range(energy, energyLow, energyHigh, out var energyOk);
        var co2eRange = Range(co2e, co2eLow, co2eHigh, out var co2eOk);
        if (!energyOk || !co2eOk || (energyRange is null) != (co2eRange is null))
        {
            return null;
        }

        PriceReference? price = null;
        if (priceEntry is not null)
        {
            DateOnly? from = null;
            if (priceEffectiveFrom is not null)
            {
                if (!DateOnly.TryParseExact(priceEffectiveFrom, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    return null;
                }

                from = date;
            }

            price = new PriceReference(priceEntry, from, priceCatalog ?? "");
        }

        return new UsageRecord
        {
            Id = id,
            Timestamp = timestamp.Value,
            Provider = provider,
            Model = model,
            Operation = operation ?? UsageOperations.Chat,
            Tokens = new TokenCounts { Input = input, CacheRead = cacheRead, CacheWrite = cacheWrite, CacheWrite1h = cacheWrite1h, Output = output, Reasoning = reasoning, Extra = extra },
            Attribution = new Attribution { Project = project, Job = job, Task = task, Agent = agent, Session = session, User = user, Tags = tags },
            ServiceTier = serviceTier,
            CostUsd = cost,
            Price = price,
            Impact = energyRange is null ? null : new ImpactEstimate(energyRange.Value, co2eRange!.Value),
            Region = region,
            Source = source ?? UsageSources.Import,
            LatencyMs = latency,
            Status = status,
        };
    }

    /// <summary>The field's position in <see cref="UsageRecordFields.Names"/>, or -1.</summary>
    private static int FieldOf(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 when name.SequenceEqual("id"u8) => 0,
        3 when name.SequenceEqual("job"u8) => 13,
        4 when name.SequenceEqual("task"u8) => 14,
        4 when name.SequenceEqual("user"u8) => 17,
        4 when name.SequenceEqual("tags"u8) => 18,
        5 when name.SequenceEqual("model"u8) => 3,
        5 when name.SequenceEqual("input"u8) => 5,
        5 when name.SequenceEqual("extra"u8) => 11,
        5 when name.SequenceEqual("agent"u8) => 15,
        6 when name.SequenceEqual("output"u8) => 9,
        6 when name.SequenceEqual("region"u8) => 30,
        6 when name.SequenceEqual("source"u8) => 31,
        6 when name.SequenceEqual("status"u8) => 33,
        7 when name.SequenceEqual("project"u8) => 12,
        7 when name.SequenceEqual("session"u8) => 16,
        7 when name.SequenceEqual("costUsd"u8) => 20,
        8 when name.SequenceEqual("provider"u8) => 2,
        8 when name.SequenceEqual("energyWh"u8) => 24,
        9 when name.SequenceEqual("timestamp"u8) => 1,
        9 when name.SequenceEqual("operation"u8) => 4,
        9 when name.SequenceEqual("cacheRead"u8) => 6,
        9 when name.SequenceEqual("reasoning"u8) => 10,
        9 when name.SequenceEqual("co2eGrams"u8) => 27,
        9 when name.SequenceEqual("latencyMs"u8) => 32,
        10 when name.SequenceEqual("cacheWrite"u8) => 7,
        10 when name.SequenceEqual("priceEntry"u8) => 21,
        11 when name.SequenceEqual("serviceTier"u8) => 19,
        11 when name.SequenceEqual("energyWhLow"u8) => 25,
        12 when name.SequenceEqual("cacheWrite1h"u8) => 8,
        12 when name.SequenceEqual("priceCatalog"u8) => 23,
        12 when name.SequenceEqual("energyWhHigh"u8) => 26,
        12 when name.SequenceEqual("co2eGramsLow"u8) => 28,
        13 when name.SequenceEqual("co2eGramsHigh"u8) => 29,
        18 when name.SequenceEqual("priceEffectiveFrom"u8) => 22,
        _ => -1,
    };

    private static bool Plain(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        value = reader.GetString();
        return true;
    }

    private bool Interned(ref Utf8JsonReader reader, out string? value)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped)
        {
            return Plain(ref reader, out value);
        }

        value = _strings.Get(reader.ValueSpan);
        return true;
    }

    /// <summary>A whole number of at least 0, digits only (as <c>long.TryParse</c> with <see cref="NumberStyles.None"/> takes it).</summary>
    private static bool Count(ref Utf8JsonReader reader, out long value)
    {
        value = 0;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        return reader.TokenType == JsonTokenType.Number && !reader.HasValueSequence
            && long.TryParse(reader.ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static bool Decimal(ref Utf8JsonReader reader, out decimal? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.Number || !decimal.TryParse(reader.ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return false;
        }

        value = d;
        return true;
    }

    private static bool Double(ref Utf8JsonReader reader, out double? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.Number || !double.TryParse(reader.ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
        {
            return false;
        }

        value = d;
        return true;
    }

    /// <summary>An instant written as the writers write it: <c>yyyy-MM-ddTHH:mm:ss</c>, an optional fraction of up to 7 digits, <c>Z</c>.</summary>
    private static bool Instant(ref Utf8JsonReader reader, out DateTimeOffset? value)
    {
        value = null;
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped)
        {
            return false;
        }

        var s = reader.ValueSpan;
        if (s.Length < 20 || s.Length == 21 || s.Length > 28 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[^1] != 'Z'
            || !Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day)
            || !Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second))
        {
            return false;
        }

        long fraction = 0;
        if (s.Length > 20)
        {
            var digits = s.Length - 21;
            if (s[19] != '.' || !Digits(s, 20, digits, out var f))
            {
                return false;
            }

            fraction = f;
            for (var i = digits; i < 7; i++)
            {
                fraction *= 10;
            }
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        value = new DateTimeOffset(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(fraction), TimeSpan.Zero);
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var digit = s[i] - '0';
            if ((uint)digit > 9)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return count > 0;
    }

    private static bool Extra(ref Utf8JsonReader reader, out IReadOnlyDictionary<string, long> extra)
    {
        extra = TokenCounts.EmptyExtra;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var n) || n < 0)
            {
                return false;
            }

            result[key] = n;
        }

        if (result.Count > 0)
        {
            extra = result;
        }

        return true;
    }

    private bool Tags(ref Utf8JsonReader reader, out IReadOnlyDictionary<string, string> tags)
    {
        tags = Attribution.EmptyTags;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.ValueIsEscaped ? reader.GetString()! : _strings.Get(reader.ValueSpan);
            reader.Read();
            if (!Interned(ref reader, out var value) || value is null)
            {
                return false;
            }

            result[key] = value;
        }

        if (result.Count > 0)
        {
            tags = result;
        }

        return true;
    }

    private static EstimateRange? Range(double? central, double? low, double? high, out bool ok)
    {
        ok = central is not null || (low is null && high is null);
        return central is { } c ? new EstimateRange(low ?? c, c, high ?? c) : null;
    }
}
