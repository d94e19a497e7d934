using System.Data.Common;

namespace TokenTrace.PostgreSql;

/// <summary>Turns a row of <c>seq</c> then <see cref="PostgreSqlSchema.Columns"/> back into the record that was appended.</summary>
internal static class PostgreSqlRecordReader
{
    /// <summary>Reads the current row of <paramref name="row"/>.</summary>
    public static UsageRecord Read(DbDataReader row)
    {
        // Column 0 is seq; the record's columns follow in PostgreSqlSchema.Columns order.
        string? Text(int i) => row.IsDBNull(i) ? null : row.GetString(i);
        double? Number(int i) => row.IsDBNull(i) ? null : row.GetDouble(i);
        EstimateRange? Range(int i) => row.IsDBNull(i) ? null : new EstimateRange(row.GetDouble(i + 1), row.GetDouble(i), row.GetDouble(i + 2));

        var energy = Range(26);
        var co2e = Range(29);
        var priceEntry = Text(23);
        return new UsageRecord
        {
            Id = row.GetString(1),
            Timestamp = new DateTimeOffset(row.GetInt64(2), TimeSpan.Zero),
            Provider = Text(3),
            Model = row.GetString(4),
            Operation = row.GetString(5),
            Tokens = new TokenCounts
            {
                Input = row.GetInt64(6),
                CacheRead = row.GetInt64(7),
                CacheWrite = row.GetInt64(8),
                CacheWrite1h = row.GetInt64(9),
                Output = row.GetInt64(10),
                Reasoning = row.GetInt64(11),
                Extra = Text(12) is { } extra ? PostgreSqlJson.ReadCounts(extra) : TokenCounts.Zero.Extra,
            },
            Attribution = new Attribution
            {
                Project = Text(13),
                Job = Text(14),
                Task = Text(15),
                Agent = Text(16),
                Session = Text(17),
                User = Text(18),
                Tags = Text(19) is { } tags ? PostgreSqlJson.ReadStrings(tags) : Attribution.None.Tags,
            },
            ServiceTier = Text(20),
            CostUsd = row.IsDBNull(21) ? null : row.GetDecimal(21),
            Price = priceEntry is null ? null : new PriceReference(priceEntry, row.IsDBNull(24) ? null : row.GetFieldValue<DateOnly>(24), Text(25) ?? ""),
            Impact = energy is { } e && co2e is { } c ? new ImpactEstimate(e, c) : null,
            Region = Text(32),
            Source = row.GetString(33),
            LatencyMs = Number(34),
            Status = Text(35),
        };
    }
}
