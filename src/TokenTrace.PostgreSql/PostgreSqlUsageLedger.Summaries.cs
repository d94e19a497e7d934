using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace TokenTrace.PostgreSql;

/// <summary>
/// Summaries computed by the server: one <c>GROUP BY</c> over the matching rows (pruned to the months of the range),
/// exact sums of costs in <c>numeric</c>. Time dimensions are local hours, days, weeks and months computed by the server
/// (<c>AT TIME ZONE</c>) when it knows the summary's zone by the same name; otherwise (a Windows zone id, a custom zone)
/// rows are grouped in 15-minute UTC buckets that are named in the zone here, which every zone's offsets divide.
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
            var serverZone = by.Any(d => d.IsTime) && await ServerKnowsZoneAsync(connection, timeZone, cancellationToken).ConfigureAwait(false) ? timeZone.Id : null;
            var builder = new UsageSummaryBuilder(by, timeZone);
            var rollup = RollupFor(query, by, timeZone);
            if (rollup is not null)
            {
                await CatchUpBeforeReadingAsync(connection, cancellationToken).ConfigureAwait(false);
            }

            // One snapshot for the watermark and the summary (a catch-up that commits between them would otherwise have
            // its records counted in the sums and again as rows past the old watermark); read only, so it never conflicts.
            await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            await SummarizeAsync(connection, transaction, query, by, timeZone, serverZone, builder, rollup, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return builder.Build();
        }, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// True when the rollups answer (see <see cref="PostgreSqlRollups"/>): the hourly sums for dimensions among model,
    /// provider, source, region and times in zones whose offsets are whole hours, filtered on model, provider or source;
    /// the sums of one of project, job, agent or user, alone or with days, weeks or months in UTC, filtered on that
    /// dimension alone (monthly sums for job and user, unless days or weeks are asked for). The range must hold at least
    /// one whole hour (hourly sums) or UTC day (the others); the parts of an hour or a day at its ends are read from the
    /// records, a few hours' worth at most.
    /// </remarks>
    public bool CanSummarizeFromAggregates(UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(by);
        ArgumentNullException.ThrowIfNull(timeZone);
        return RollupFor(query, by, timeZone) is not null;
    }

    /// <summary>
    /// The summary over the records alone, never the rollups: what the rollups must equal (the tests and the scale bench
    /// compare them).
    /// </summary>
    internal Task<UsageSummary> SummarizeRowsAsync(UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone, CancellationToken cancellationToken = default) =>
        RunAsync(async connection =>
        {
            var serverZone = by.Any(d => d.IsTime) && await ServerKnowsZoneAsync(connection, timeZone, cancellationToken).ConfigureAwait(false) ? timeZone.Id : null;
            var builder = new UsageSummaryBuilder(by, timeZone);
            await SummarizeAsync(connection, null, query, by, timeZone, serverZone, builder, null, cancellationToken).ConfigureAwait(false);
            return builder.Build();
        }, cancellationToken);

    /// <summary>
    /// The rollups, as a relation shaped as <c>usage</c>, that answer the summary exactly, and whether each of its rows is
    /// already one group of the summary (by hour and every hourly key, by day and the daily sums' key, by month and the
    /// monthly sums' key), so that grouping them again is wasted work; null when no rollup answers.
    /// </summary>
    private static (string Sql, bool OneRowPerGroup)? RollupFor(UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone)
    {
        if (query.Tags.Count > 0 || query.Task is not null || query.Session is not null || by.Any(d => d.TagKey is not null))
        {
            return null;
        }

        var times = by.Where(d => d.IsTime).ToList();
        var attribution = by.Where(d => !d.IsTime).Select(d => d.Name).ToList();
        var (since, until) = (query.Since?.UtcTicks, query.Until?.UtcTicks);
        if (query is { Project: null, Job: null, Agent: null, User: null } && attribution.All(d => d is "model" or "provider" or "source" or "region")
            && (times.Count == 0 || WholeHourOffsets(timeZone)))
        {
            return PostgreSqlRollups.Covering([PostgreSqlRollups.Hourly], since, until) is { } hourly
                ? (hourly, times.Any(t => t.Name == "hour") && PostgreSqlRollups.HourlyKeys.All(k => attribution.Contains(k, StringComparer.Ordinal)))
                : null;
        }

        // The sums of one dimension answer a summary by it and a filter on it (a budget's project), not both of two.
        var columns = attribution.Where(d => d is not ("model" or "provider" or "source" or "region")).Select(ColumnOf)
            .Concat(new[] { ("project", query.Project), ("job", query.Job), ("agent", query.Agent), ("user_name", query.User) }.Where(f => f.Item2 is not null).Select(f => f.Item1))
            .Distinct(StringComparer.Ordinal).ToList();
        if (columns.Count == 1 && attribution.Count <= 1 && PostgreSqlRollups.DailyColumns.Contains(columns[0])
            && (attribution.Count == 0 || ColumnOf(attribution[0]) == columns[0])
            && query is { Model: null, Provider: null, Source: null }
            && (times.Count == 0 || (times.All(t => t.Name is "day" or "week" or "month") && IsUtc(timeZone))))
        {
            // Monthly sums hold no day or week: a summary by either reads the daily sums alone.
            var levels = PostgreSqlRollups.LevelsOf(columns[0]).Where(t => !t.Monthly || times.All(d => d.Name == "month")).ToList();
            var oneRowPerGroup = attribution.Count == 1 && (times.Any(t => t.Name == "day") || (levels[0].Monthly && times.Any(t => t.Name == "month")));
            return PostgreSqlRollups.Covering(levels, since, until) is { } sums ? (sums, oneRowPerGroup) : null;
        }

        return null;
    }

    // Records start in 1970 (the validator's floor); older rules, such as 19th-century local mean time, do not matter.
    private static bool WholeHourOffsets(TimeZoneInfo timeZone) =>
        timeZone.BaseUtcOffset.Ticks % TimeSpan.TicksPerHour == 0
        && timeZone.GetAdjustmentRules().Where(r => r.DateEnd.Year >= 1970)
            .All(r => r.DaylightDelta.Ticks % TimeSpan.TicksPerHour == 0 && (timeZone.BaseUtcOffset + r.BaseUtcOffsetDelta).Ticks % TimeSpan.TicksPerHour == 0);

    // Zones whose offset is zero at every instant: UTC under any of its names.
    private static bool IsUtc(TimeZoneInfo timeZone) =>
        timeZone.BaseUtcOffset == TimeSpan.Zero && !timeZone.SupportsDaylightSavingTime && timeZone.GetAdjustmentRules().Length == 0;

    /// <summary>Whether the server has a zone named as <paramref name="timeZone"/> (asked once per zone and ledger object).</summary>
    private async Task<bool> ServerKnowsZoneAsync(NpgsqlConnection connection, TimeZoneInfo timeZone, CancellationToken cancellationToken)
    {
        if (_knownZones.TryGetValue(timeZone.Id, out var known))
        {
            return known;
        }

        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = @tz)", connection);
        command.Parameters.AddWithValue("tz", timeZone.Id);
        known = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
        _knownZones[timeZone.Id] = known;
        return known;
    }

    /// <summary>Adds the groups of <paramref name="query"/> by <paramref name="by"/> to <paramref name="builder"/>, on <paramref name="connection"/>.</summary>
    private static async Task SummarizeAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone,
        string? serverZone, UsageSummaryBuilder builder, (string Sql, bool OneRowPerGroup)? rollup, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand { Connection = connection, Transaction = transaction };
        if (rollup is not null)
        {
            // The caller's transaction makes this the watermark of the sums the summary reads (see PostgreSqlRollups.Covering).
            await using var watermark = new NpgsqlCommand("SELECT seq FROM rollup_watermark", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter("watermark", NpgsqlDbType.Bigint) { Value = await watermark.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) });
        }

        var keys = new List<string>();
        var hasTime = false;
        for (var i = 0; i < by.Count; i++)
        {
            var dimension = by[i];
            if (dimension.IsTime && serverZone is not null)
            {
                if (!command.Parameters.Contains("tz"))
                {
                    command.Parameters.Add(new NpgsqlParameter("tz", NpgsqlDbType.Text) { Value = serverZone });
                }

                keys.Add(LocalTimeKey(dimension.Name));
            }
            else if (dimension.IsTime)
            {
                hasTime = true;
                keys.Add("NULL::text");
            }
            else if (dimension.TagKey is { } tagKey)
            {
                var name = "@tag" + i.ToString(CultureInfo.InvariantCulture);
                command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = tagKey });
                keys.Add($"tags::jsonb ->> {name}");
            }
            else
            {
                keys.Add(ColumnOf(dimension.Name));
            }
        }

        // A rollup relation holds only its range (its pieces are bounded each): the time bounds are not repeated, as the
        // records at its ends are summed per bucket of the finest level, whose start may lie before the range's.
        var where = PostgreSqlUsageFilter.Where(rollup is null ? query : query with { Since = null, Until = null }, command);
        var bucket = hasTime ? string.Create(CultureInfo.InvariantCulture, $"ts / {PostgreSqlSchema.TicksPerBucket}") : "0::bigint";
        string[] sums = rollup switch
        {
            { OneRowPerGroup: true } => [bucket, .. PostgreSqlRollups.SumColumns],
            not null => [bucket, .. PostgreSqlRollups.SummarySums],
            null =>
            [
                bucket,
                "COUNT(*)", "COALESCE(SUM(input), 0)::bigint", "COALESCE(SUM(output), 0)::bigint", "COALESCE(SUM(cache_read), 0)::bigint",
                "COALESCE(SUM(cache_write), 0)::bigint", "COALESCE(SUM(cache_write_1h), 0)::bigint", "COALESCE(SUM(reasoning), 0)::bigint",
                "COALESCE(SUM(cost_billed), 0)", "COUNT(*) - COUNT(cost_usd)", "COUNT(energy_wh)",
                "COALESCE(SUM(energy_wh_low), 0)", "COALESCE(SUM(energy_wh), 0)", "COALESCE(SUM(energy_wh_high), 0)",
                "COALESCE(SUM(co2e_g_low), 0)", "COALESCE(SUM(co2e_g), 0)", "COALESCE(SUM(co2e_g_high), 0)",
            ],
        };
        var select = new StringBuilder("SELECT ").AppendJoin(", ", keys.Concat(sums)).Append(" FROM ").Append(rollup?.Sql ?? "usage").Append(where);
        var groupBy = Enumerable.Range(1, keys.Count + 1).Where(i => i > keys.Count ? hasTime : !by[i - 1].IsTime || serverZone is not null).ToList();

        // Rows that are each one group already (the daily sums by day and project: 95,360 rows) are read as they are, and
        // the builder adds up any that share a key: a GROUP BY of them was sorted on disk in a parallel plan (the
        // planner guessed a tenth of the groups) and took nearly all of the summary's time.
        if (groupBy.Count > 0 && rollup is not { OneRowPerGroup: true })
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
                values[i] = by[i].IsTime && serverZone is null ? by[i].TimeKey(bucketStart, timeZone) : reader.IsDBNull(i) ? null : reader.GetString(i);
            }

            builder.Add(values, UsageTotals.FromSums(
                records, reader.GetInt64(n + 2), reader.GetInt64(n + 3), reader.GetInt64(n + 4), reader.GetInt64(n + 5), reader.GetInt64(n + 6), reader.GetInt64(n + 7),
                DecimalCanonical.Trim(reader.GetDecimal(n + 8)), reader.GetInt64(n + 9), reader.GetInt64(n + 10),
                new EstimateRange(reader.GetDouble(n + 11), reader.GetDouble(n + 12), reader.GetDouble(n + 13)),
                new EstimateRange(reader.GetDouble(n + 14), reader.GetDouble(n + 15), reader.GetDouble(n + 16))));
        }
    }

    /// <summary>
    /// The key of a time dimension as <see cref="SummaryDimension.TimeKey"/> writes it, computed by the server in zone
    /// <c>@tz</c>. The instant is cut to whole seconds in integers first (every zone's offset is whole minutes, so no key
    /// changes), which keeps the conversion exact where a division of ticks in floating point could round 23:59:59.9999999
    /// into the next day.
    /// </summary>
    private static string LocalTimeKey(string dimension)
    {
        const string Local = "(to_timestamp((ts - 621355968000000000) / 10000000) AT TIME ZONE @tz)";
        return dimension switch
        {
            "hour" => $"to_char({Local}, 'YYYY-MM-DD\"T\"HH24:00')",
            "day" => $"to_char({Local}, 'YYYY-MM-DD')",
            "week" => $"to_char(date_trunc('week', {Local}), 'YYYY-MM-DD')",
            "month" => $"to_char({Local}, 'YYYY-MM')",
            _ => throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "not a time dimension"),
        };
    }

    private static string ColumnOf(string dimension) => dimension switch
    {
        "user" => "user_name",
        "model" or "provider" or "project" or "job" or "task" or "agent" or "session" or "source" or "region" => dimension,
        _ => throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "not a column dimension"),
    };
}
