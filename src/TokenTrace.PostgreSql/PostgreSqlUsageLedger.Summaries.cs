using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace TokenTrace.PostgreSql;

/// <summary>
/// Summaries computed by the server: one <c>GROUP BY</c> over the matching rows (pruned to the months of the range),
/// exact sums of costs in <c>numeric</c>, and time dimensions grouped in 15-minute UTC buckets that are named in the
/// summary's time zone here, so that every zone .NET knows (with its own rules) gives the same keys as the other ledgers.
/// </summary>
public sealed partial class PostgreSqlUsageLedger
{
    /// <inheritdoc/>
    public Task<UsageSummary> SummarizeAsync(UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(by);
        ArgumentNullException.ThrowIfNull(timeZone);
        return RunAsync(async connection =>
        {
            var builder = new UsageSummaryBuilder(by, timeZone);
            await SummarizeAsync(connection, null, query, by, timeZone, builder, cancellationToken).ConfigureAwait(false);
            return builder.Build();
        }, cancellationToken);
    }

    /// <summary>Adds the groups of <paramref name="query"/> by <paramref name="by"/> to <paramref name="builder"/>, on <paramref name="connection"/>.</summary>
    private static async Task SummarizeAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone,
        UsageSummaryBuilder builder, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand { Connection = connection, Transaction = transaction };
        var keys = new List<string>();
        var hasTime = false;
        for (var i = 0; i < by.Count; i++)
        {
            var dimension = by[i];
            if (dimension.IsTime)
            {
                hasTime = true;
                keys.Add("NULL::text");
            }
            else if (dimension.TagKey is { } tagKey)
            {
                var name = "@tag" + i.ToString(CultureInfo.InvariantCulture);
                command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = tagKey });
                keys.Add($"tags ->> {name}");
            }
            else
            {
                keys.Add(ColumnOf(dimension.Name));
            }
        }

        var where = PostgreSqlUsageFilter.Where(query, command);
        string[] sums =
        [
            hasTime ? string.Create(CultureInfo.InvariantCulture, $"ts / {PostgreSqlSchema.TicksPerBucket}") : "0::bigint",
            "COUNT(*)", "COALESCE(SUM(input), 0)::bigint", "COALESCE(SUM(output), 0)::bigint", "COALESCE(SUM(cache_read), 0)::bigint",
            "COALESCE(SUM(cache_write), 0)::bigint", "COALESCE(SUM(cache_write_1h), 0)::bigint", "COALESCE(SUM(reasoning), 0)::bigint",
            "COALESCE(SUM(cost_billed), 0)", "COUNT(*) - COUNT(cost_usd)", "COUNT(energy_wh)",
            "COALESCE(SUM(energy_wh_low), 0)", "COALESCE(SUM(energy_wh), 0)", "COALESCE(SUM(energy_wh_high), 0)",
            "COALESCE(SUM(co2e_g_low), 0)", "COALESCE(SUM(co2e_g), 0)", "COALESCE(SUM(co2e_g_high), 0)",
        ];
        var select = new StringBuilder("SELECT ").AppendJoin(", ", keys.Concat(sums)).Append(" FROM usage").Append(where);
        var groupBy = Enumerable.Range(1, keys.Count + 1).Where(i => i > keys.Count ? hasTime : !by[i - 1].IsTime).ToList();
        if (groupBy.Count > 0)
        {
            select.Append(" GROUP BY ").AppendJoin(", ", groupBy);
        }

        command.CommandText = select.ToString();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var n = keys.Count;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var records = reader.GetInt64(n + 1);
            if (records == 0)
            {
                continue;
            }

            // 15-minute buckets: every zone's offset is a whole number of quarter hours, so no bucket straddles a local
            // hour, day, week or month, and the builder merges the buckets of one key.
            var bucketStart = new DateTimeOffset(reader.GetInt64(n) * PostgreSqlSchema.TicksPerBucket, TimeSpan.Zero);
            var values = new string?[n];
            for (var i = 0; i < n; i++)
            {
                values[i] = by[i].IsTime ? by[i].TimeKey(bucketStart, timeZone) : reader.IsDBNull(i) ? null : reader.GetString(i);
            }

            builder.Add(values, UsageTotals.FromSums(
                records, reader.GetInt64(n + 2), reader.GetInt64(n + 3), reader.GetInt64(n + 4), reader.GetInt64(n + 5), reader.GetInt64(n + 6), reader.GetInt64(n + 7),
                DecimalCanonical.Trim(reader.GetDecimal(n + 8)), reader.GetInt64(n + 9), reader.GetInt64(n + 10),
                new EstimateRange(reader.GetDouble(n + 11), reader.GetDouble(n + 12), reader.GetDouble(n + 13)),
                new EstimateRange(reader.GetDouble(n + 14), reader.GetDouble(n + 15), reader.GetDouble(n + 16))));
        }
    }

    private static string ColumnOf(string dimension) => dimension switch
    {
        "user" => "user_name",
        "model" or "provider" or "project" or "job" or "task" or "agent" or "session" or "source" or "region" => dimension,
        _ => throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "not a column dimension"),
    };
}
