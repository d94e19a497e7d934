using System.Globalization;
using Microsoft.Data.Sqlite;

namespace TokenTrace.Sqlite;

/// <summary>
/// Builds a record from a row selected as <see cref="SqliteSchema.Columns"/> (in that order, values in <c>dims</c>
/// already looked up) followed by <c>cost_pico</c>, by reading each column as
/// the type it is stored as. Going through text (<see cref="UsageRecordFields.FromText"/>) formatted every count,
/// instant and energy to a string and parsed it back, which cost more than reading the row; a catch-up of an analytical
/// copy reads millions of rows.
/// </summary>
/// <remarks>
/// A row whose columns do not hold the types TokenTrace writes (edited by hand, written by something else) is read
/// through the text path instead, which names the field that is wrong.
/// </remarks>
internal static class SqliteRecordReader
{
    private const int Id = 0, Timestamp = 1, Provider = 2, Model = 3, Operation = 4, Input = 5, CacheRead = 6, CacheWrite = 7, CacheWrite1h = 8,
        Output = 9, Reasoning = 10, Extra = 11, Project = 12, Job = 13, Task = 14, Agent = 15, Session = 16, User = 17, Tags = 18, ServiceTier = 19,
        CostUsd = 20, PriceEntry = 21, CostPico = 34, PriceEffectiveFrom = 22, PriceCatalog = 23, EnergyWh = 24, Co2eGrams = 27, Region = 30, Source = 31, LatencyMs = 32, Status = 33;

    public static UsageRecord Read(SqliteDataReader reader, string?[] values)
    {
        if (!IsRegular(reader))
        {
            return ReadAsText(reader, values);
        }

        // Schema 6 keeps the cost's text only when cost_pico / 10¹² is not the cost (more than 12 decimals).
        var cost = !reader.IsDBNull(CostUsd)
            ? decimal.TryParse(reader.GetString(CostUsd), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : null
            : reader.IsDBNull(CostPico) ? (decimal?)null : FromPico(reader.GetInt64(CostPico));
        if (cost is null && !reader.IsDBNull(CostUsd))
        {
            return ReadAsText(reader, values);
        }

        PriceReference? price = null;
        if (!reader.IsDBNull(PriceEntry))
        {
            DateOnly? from = null;
            if (!reader.IsDBNull(PriceEffectiveFrom))
            {
                if (!DateOnly.TryParseExact(reader.GetString(PriceEffectiveFrom), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    return ReadAsText(reader, values);
                }

                from = date;
            }

            price = new PriceReference(reader.GetString(PriceEntry), from, Text(reader, PriceCatalog) ?? "");
        }

        return new UsageRecord
        {
            Id = reader.GetString(Id),
            Timestamp = new DateTimeOffset(reader.GetInt64(Timestamp), TimeSpan.Zero),
            Provider = Text(reader, Provider),
            Model = reader.GetString(Model),
            Operation = reader.GetString(Operation),
            Tokens = new TokenCounts
            {
                Input = reader.GetInt64(Input),
                CacheRead = reader.GetInt64(CacheRead),
                CacheWrite = reader.GetInt64(CacheWrite),
                CacheWrite1h = reader.GetInt64(CacheWrite1h),
                Output = reader.GetInt64(Output),
                Reasoning = reader.GetInt64(Reasoning),
                Extra = UsageRecordFields.ExtraFromText(Text(reader, Extra)),
            },
            Attribution = new Attribution
            {
                Project = Text(reader, Project),
                Job = Text(reader, Job),
                Task = Text(reader, Task),
                Agent = Text(reader, Agent),
                Session = Text(reader, Session),
                User = Text(reader, User),
                Tags = UsageRecordFields.TagsFromText(Text(reader, Tags)),
            },
            ServiceTier = Text(reader, ServiceTier),
            CostUsd = cost,
            Price = price,
            Impact = reader.IsDBNull(EnergyWh) ? null : new ImpactEstimate(Range(reader, EnergyWh), Range(reader, Co2eGrams)),
            Region = Text(reader, Region),
            Source = reader.GetString(Source),
            LatencyMs = reader.IsDBNull(LatencyMs) ? null : reader.GetDouble(LatencyMs),
            Status = Text(reader, Status),
        };
    }

    /// <summary>
    /// Whether every column holds what TokenTrace writes there: integers for the instant and counts, reals (or nothing)
    /// for the estimates, text for the rest; a non-empty id and model.
    /// </summary>
    private static bool IsRegular(SqliteDataReader reader)
    {
        if (reader.GetFieldType(Id) != typeof(string) || reader.GetFieldType(Model) != typeof(string)
            || reader.GetFieldType(Operation) != typeof(string) || reader.GetFieldType(Source) != typeof(string)
            || reader.GetString(Id).Length == 0 || reader.GetString(Model).Length == 0)
        {
            return false;
        }

        for (var i = Timestamp; i <= Reasoning; i++)
        {
            if (i is Provider or Model or Operation)
            {
                continue;
            }

            if (reader.GetFieldType(i) != typeof(long) || reader.GetInt64(i) < 0)
            {
                return false;
            }
        }

        foreach (var i in (ReadOnlySpan<int>)[Provider, Extra, Project, Job, Task, Agent, Session, User, Tags, ServiceTier, CostUsd, PriceEntry, PriceEffectiveFrom, PriceCatalog, Region, Status])
        {
            if (!reader.IsDBNull(i) && reader.GetFieldType(i) != typeof(string))
            {
                return false;
            }
        }

        var estimated = !reader.IsDBNull(EnergyWh);
        for (var i = EnergyWh; i < EnergyWh + 6; i++)
        {
            if (reader.IsDBNull(i) == estimated || (estimated && (reader.GetFieldType(i) != typeof(double) || !double.IsFinite(reader.GetDouble(i)))))
            {
                return false;
            }
        }

        return (reader.IsDBNull(LatencyMs) || (reader.GetFieldType(LatencyMs) == typeof(double) && double.IsFinite(reader.GetDouble(LatencyMs))))
            && (reader.IsDBNull(CostPico) || reader.GetFieldType(CostPico) == typeof(long));
    }

    internal static decimal FromPico(long pico) => DecimalCanonical.Trim(pico * 0.000000000001m);

    private static string? Text(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    // Columns: central, low, high.
    private static EstimateRange Range(SqliteDataReader reader, int central) =>
        new(reader.GetDouble(central + 1), reader.GetDouble(central), reader.GetDouble(central + 2));

    /// <summary>The row through text, as <see cref="UsageRecordFields.FromText"/> reads it (and reports what is wrong).</summary>
    public static UsageRecord ReadAsText(SqliteDataReader reader, string?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reader.IsDBNull(i) ? null
                : i == Timestamp && reader.GetFieldType(i) == typeof(long) ? new DateTime(reader.GetInt64(i), DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture)
                : reader.GetFieldType(i) == typeof(double) ? reader.GetDouble(i).ToString("R", CultureInfo.InvariantCulture)
                : reader.GetString(i);
        }

        if (values[CostUsd] is null && !reader.IsDBNull(CostPico) && reader.GetFieldType(CostPico) == typeof(long))
        {
            values[CostUsd] = FromPico(reader.GetInt64(CostPico)).ToString(CultureInfo.InvariantCulture);
        }

        return UsageRecordFields.FromText(values);
    }
}
