using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Data.Sqlite;

namespace TokenTrace.Sqlite;

/// <summary>
/// The embedded default ledger: one SQLite file in WAL mode, safe for many processes, idempotent on record id,
/// with a schema version table and forward migrations. Summaries are computed by SQLite where the data lives.
/// </summary>
/// <remarks>
/// Durability: writes commit with <c>synchronous = FULL</c>, so the WAL is flushed to disk before
/// <see cref="AppendAsync"/> (or any other write) returns: an acknowledged record survives a crash of the process, of
/// the operating system and a power cut, as long as the disk honours flushes. Disposing the ledger closes its pooled
/// connections and with them <c>usage.db</c>, <c>-wal</c> and <c>-shm</c>.
/// </remarks>
public sealed partial class SqliteUsageLedger : IUsageLedger, IPreaggregatedSummarizer, ICostReviser, ILedgerHealthCheck, IBudgetStore, IBudgetReservations, IUsageBulkAppender
{
    private const long TicksPerBucket = TimeSpan.TicksPerMinute * 15;
    private static readonly string InsertSql = BuildInsertSql();
    private static readonly string SelectColumns = BuildSelectColumns();
    private readonly SqliteValueDictionary _values = new();
    private readonly string _writeConnectionString;
    private readonly string _readConnectionString;
    private int _initialized;

    /// <summary>Opens (creating if needed) the ledger at <paramref name="path"/>.</summary>
    public SqliteUsageLedger(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);

        // A pooled connection keeps its pragmas, and pools are keyed by connection string: writers (64 MB cache,
        // synchronous = FULL) and readers (default cache, query_only) get different strings, so never each other's
        // connections. Readers open without create: the file exists by then (see OpenForReadAsync).
        _writeConnectionString = ConnectionString(SqliteOpenMode.ReadWriteCreate);
        _readConnectionString = ConnectionString(SqliteOpenMode.ReadWrite);
    }

    /// <summary>
    /// How many appended rows the hourly rollup may lag behind before an append folds them in (in its transaction,
    /// one upsert per hour and key for all of them). Summaries read the lagging rows themselves meanwhile. Folding
    /// every append cost about one upsert per record when a batch spans many hours (docs/architecture/performance.md).
    /// </summary>
    internal int RollupLag { get; init; } = 20_000;

    /// <summary>How many looked-up <c>dims</c> values one import transaction remembers (see <see cref="SqliteRecordInserter"/>).</summary>
    internal int MaxResolvedPerImport { get; init; } = 65_536;

    /// <summary>How many rollup keys an append upserts from memory whatever its size (a call or a small batch).</summary>
    internal int RollupKeysPerAppend { get; init; } = 64;

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public string Spec => "sqlite:" + Path;

    /// <inheritdoc/>
    public async Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return default;
        }

        foreach (var record in records)
        {
            UsageRecordValidator.ThrowIfInvalid(record);
        }

        return await RunAsync(write: true, connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            using var inserter = new SqliteRecordInserter(connection, InsertSql, _values);
            var result = AppendIn(connection, transaction, inserter, records, trackDuplicates: true);
            transaction.Commit();
            _values.Publish(inserter.Resolved);
            return result;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens one write transaction for a whole import (see <see cref="SqliteImportTransaction"/>): nothing it appends is
    /// visible or kept until <see cref="SqliteImportTransaction.Commit"/>, and disposing it without that rolls all of it
    /// back. Other writers wait for it (up to the ledger's 60 s busy timeout).
    /// </summary>
    /// <param name="cancellationToken">Stops waiting for the connection or the write lock.</param>
    /// <returns>The open transaction; the caller disposes it.</returns>
    public async Task<SqliteImportTransaction> BeginImportAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenForWriteAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = Guard(() => connection.BeginTransaction(deferred: false));
            return new SqliteImportTransaction(this, connection, transaction, Guard(() => new SqliteRecordInserter(connection, InsertSql, _values, MaxResolvedPerImport)));
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    async Task<IUsageAppendTransaction> IUsageBulkAppender.BeginAppendTransactionAsync(CancellationToken cancellationToken) =>
        await BeginImportAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// One batch of an import transaction, each record validated (as <see cref="AppendAsync"/> validates) just before
    /// it is inserted: a separate pass over the batch read every record from memory twice, and an invalid record faults
    /// the whole import transaction anyway (<see cref="SqliteImportTransaction.Append"/>), so nothing of the batch is
    /// kept either way. The rollup is brought up to date every <see cref="SqliteImportRollup.Records"/> records, not
    /// per append (see <see cref="SqliteImportRollup"/>).
    /// </summary>
    internal AppendResult AppendToImport(SqliteConnection connection, SqliteTransaction transaction, SqliteRecordInserter inserter, SqliteImportRollup rollup, IReadOnlyList<UsageRecord> records) =>
        Guard(() =>
        {
            var added = 0;
            foreach (var record in records)
            {
                UsageRecordValidator.ThrowIfInvalid(record);
                if (inserter.Insert(record))
                {
                    added++;
                    rollup.Added++;
                    rollup.Batch.Add(record);
                }

                if (++rollup.Handed == SqliteImportRollup.Records)
                {
                    UpdateRollup(connection, transaction, rollup.Added, rollup.Batch);
                    rollup.Reset();
                }
            }

            return new AppendResult(added, records.Count - added);
        });

    /// <summary>Brings the rollup up to date with the import's last records, commits, and publishes the <c>dims</c> ids it resolved.</summary>
    internal void CommitImport(SqliteConnection connection, SqliteTransaction transaction, SqliteRecordInserter inserter, SqliteImportRollup rollup)
    {
        Guard(() =>
        {
            if (rollup.Handed > 0)
            {
                UpdateRollup(connection, transaction, rollup.Added, rollup.Batch);
                rollup.Reset();
            }

            transaction.Commit();
            return true;
        });
        _values.Publish(inserter.Resolved);
    }

    /// <summary>
    /// Inserts <paramref name="records"/> in the open <paramref name="transaction"/> and brings the rollup up to date.
    /// With <paramref name="trackDuplicates"/>, the result names the ids that were stored before (for observers).
    /// </summary>
    private AppendResult AppendIn(SqliteConnection connection, SqliteTransaction transaction, SqliteRecordInserter inserter, IReadOnlyList<UsageRecord> records, bool trackDuplicates)
    {
        var added = 0;
        var rollup = new SqliteRollupBatch();
        // The ids stored before this append (for observers that must pass on only new records). Built only once a
        // record is refused: every record before the first refusal was stored now, and a repeat of one of those is
        // not a record stored before.
        HashSet<string>? storedBefore = null, storedNow = null;
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            if (inserter.Insert(record))
            {
                added++;
                rollup.Add(record);
                storedNow?.Add(record.Id);
            }
            else if (trackDuplicates)
            {
                storedNow ??= new HashSet<string>(records.Take(i).Select(static r => r.Id), StringComparer.Ordinal);
                if (!storedNow.Contains(record.Id))
                {
                    (storedBefore ??= new HashSet<string>(StringComparer.Ordinal)).Add(record.Id);
                }
            }
        }

        UpdateRollup(connection, transaction, added, rollup);
        return new AppendResult(added, records.Count - added) { DuplicateIds = (IReadOnlySet<string>?)storedBefore ?? (storedNow is null ? null : System.Collections.Frozen.FrozenSet<string>.Empty) };
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = SqliteUsageFilter.From(query);
        await using var connection = await OpenForReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        var where = filter.WhereRows(command);

        // An iterator cannot yield inside try/catch, so each step that touches SQLite is guarded on its own.
        using var rows = Guard(() => OpenRows(connection, $"{where} ORDER BY ts, seq", command.Parameters.Cast<SqliteParameter>()));
        while (Guard(rows.Read) is { } record)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return record;
        }
    }

    /// <inheritdoc/>
    public async Task<UsageSummary> SummarizeAsync(UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(by);
        ArgumentNullException.ThrowIfNull(timeZone);

        var filter = SqliteUsageFilter.From(query);
        if (CanUseRollup(filter, by, timeZone))
        {
            var fromRollup = await SummarizePartAsync(filter, by, timeZone, null, rollup: true, cancellationToken).ConfigureAwait(false);
            var rolled = new UsageSummaryBuilder(by, timeZone);
            foreach (var (values, totals) in fromRollup)
            {
                rolled.Add(values, totals);
            }

            return rolled.Build();
        }

        if (!filter.RollupCanAnswer && SplitOnHourEdges(query) is { } split && CanUseRollup(SqliteUsageFilter.From(split.WholeHours), by, timeZone))
        {
            // A range off hour edges (a trend up to "now", --since 10:30) is whole hours from the rollup plus the one or two
            // partial hours at its ends from the rows (through the ts index): the parts merge exactly.
            var merged = new UsageSummaryBuilder(by, timeZone);
            var pieces = new List<Task<List<(string?[] Values, UsageTotals Totals)>>>
            {
                SummarizePartAsync(SqliteUsageFilter.From(split.WholeHours), by, timeZone, null, rollup: true, cancellationToken),
            };
            pieces.AddRange(split.Edges.Select(edge => SummarizePartAsync(SqliteUsageFilter.From(edge), by, timeZone, null, rollup: false, cancellationToken)));
            foreach (var piece in await Task.WhenAll(pieces).ConfigureAwait(false))
            {
                foreach (var (values, totals) in piece)
                {
                    merged.Add(values, totals);
                }
            }

            return merged.Build();
        }

        // A summary of everything scans every row. SQLite runs one query on one core, so the rowid range is split
        // and each part is aggregated on its own connection; the parts merge exactly (sums of integers and picos).
        var ranges = new List<(long From, long To)?> { null };
        if (filter.IsEmpty)
        {
            var bounds = (await RunAsync(write: false, connection => Scalar(connection, "SELECT COALESCE(MIN(seq), 0) || ' ' || COALESCE(MAX(seq), 0) FROM usage"), cancellationToken)
                .ConfigureAwait(false)).Split(' ');
            var (low, high) = (long.Parse(bounds[0], CultureInfo.InvariantCulture), long.Parse(bounds[1], CultureInfo.InvariantCulture));
            var parts = Math.Clamp(Environment.ProcessorCount, 1, 8);
            if (high - low > 200_000 && parts > 1)
            {
                var step = ((high - low) / parts) + 1;
                ranges = [.. Enumerable.Range(0, parts).Select(i => ((long, long)?)(low + (i * step), Math.Min(high, low + ((i + 1) * step) - 1)))];
            }
        }

        var results = await Task.WhenAll(ranges.Select(range => Task.Run(() => SummarizePartAsync(filter, by, timeZone, range, rollup: false, cancellationToken), cancellationToken))).ConfigureAwait(false);
        var builder = new UsageSummaryBuilder(by, timeZone);
        foreach (var part in results)
        {
            foreach (var (values, totals) in part)
            {
                builder.Add(values, totals);
            }
        }

        return builder.Build();
    }

    /// <inheritdoc/>
    /// <remarks>True when the hourly rollup answers: the dimensions are model, provider, source, region or times (in zones
    /// whose offsets are whole hours), the filter is on those only, and the range is on hour edges or holds whole hours.</remarks>
    public bool CanSummarizeFromAggregates(UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(by);
        ArgumentNullException.ThrowIfNull(timeZone);
        var filter = SqliteUsageFilter.From(query);
        return CanUseRollup(filter, by, timeZone)
            || (SplitOnHourEdges(query) is { } split && CanUseRollup(SqliteUsageFilter.From(split.WholeHours), by, timeZone));
    }

    /// <summary>
    /// Splits a query whose time range is off hour edges into the whole hours inside it and the partial hours at its ends;
    /// null when the range has no bound off an edge or holds no whole hour.
    /// </summary>
    private static (UsageQuery WholeHours, List<UsageQuery> Edges)? SplitOnHourEdges(UsageQuery query)
    {
        var since = query.Since?.UtcTicks;
        var until = query.Until?.UtcTicks;
        var innerSince = since is { } s ? CeilingHour(s) : (long?)null;
        var innerUntil = until is { } u ? u - (u % SqliteSchema.RollupTicks) : (long?)null;
        if (innerSince == since && innerUntil == until)
        {
            return null;
        }

        if (innerSince is { } from && innerUntil is { } to && from >= to)
        {
            return null;
        }

        var edges = new List<UsageQuery>(2);
        if (since != innerSince)
        {
            edges.Add(query with { Until = Instant(innerSince!.Value) });
        }

        if (until != innerUntil)
        {
            edges.Add(query with { Since = Instant(innerUntil!.Value) });
        }

        return (query with { Since = innerSince is { } a ? Instant(a) : null, Until = innerUntil is { } b ? Instant(b) : null }, edges);

        static long CeilingHour(long ticks) => ticks % SqliteSchema.RollupTicks == 0 ? ticks : ticks - (ticks % SqliteSchema.RollupTicks) + SqliteSchema.RollupTicks;
        static DateTimeOffset Instant(long ticks) => new(ticks, TimeSpan.Zero);
    }

    /// <summary>
    /// Whether the summary can be read from <c>usage_rollup</c> (kept by triggers: hourly buckets by model, provider,
    /// source and region): the rollup can answer every filter term, every dimension is one of those or a time, and
    /// time buckets are asked for only in zones whose offsets are whole hours.
    /// </summary>
    private static bool CanUseRollup(SqliteUsageFilter filter, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone) =>
        filter.RollupCanAnswer
        && by.All(d => d.IsTime || d.Name is "model" or "provider" or "source" or "region")
        && (!by.Any(d => d.IsTime) || WholeHourOffsets(timeZone));

    // Records start in 1970 (the validator's floor); older rules, such as 19th-century local mean time, do not matter.
    private static bool WholeHourOffsets(TimeZoneInfo timeZone) =>
        timeZone.BaseUtcOffset.Ticks % TimeSpan.TicksPerHour == 0
        && timeZone.GetAdjustmentRules().Where(r => r.DateEnd.Year >= 1970)
            .All(r => r.DaylightDelta.Ticks % TimeSpan.TicksPerHour == 0 && (timeZone.BaseUtcOffset + r.BaseUtcOffsetDelta).Ticks % TimeSpan.TicksPerHour == 0);

    private Task<List<(string?[] Values, UsageTotals Totals)>> SummarizePartAsync(
        SqliteUsageFilter filter, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone, (long From, long To)? range, bool rollup, CancellationToken cancellationToken) =>
        RunAsync(write: false, connection => SummarizePart(connection, filter, by, timeZone, range, rollup, cancellationToken), cancellationToken);

    private static List<(string?[] Values, UsageTotals Totals)> SummarizePart(
        SqliteConnection connection, SqliteUsageFilter filter, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone, (long From, long To)? range, bool rollup,
        CancellationToken cancellationToken, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var where = rollup ? filter.WhereRollup(command) : filter.WhereRows(command, range);

        // Time dimensions are grouped in 15-minute UTC buckets and mapped to local hours, days, weeks and months here:
        // every time zone's offset is a whole number of quarter hours, so no bucket straddles a local boundary.
        var keys = new List<string>();
        bool[]? byId = null;
        var hasTime = false;
        for (var i = 0; i < by.Count; i++)
        {
            var dimension = by[i];
            if (dimension.IsTime)
            {
                hasTime = true;
                keys.Add("NULL");
            }
            else if (dimension.TagKey is { } tagKey)
            {
                var name = "@tag" + i.ToString(CultureInfo.InvariantCulture);
                command.Parameters.AddWithValue(name, tagKey);
                keys.Add(rollup ? $"(SELECT value FROM json_each(usage.tags) WHERE key = {name})" : $"(SELECT value FROM json_each({ValueOf("usage.tags")}) WHERE key = {name})");
            }
            else if (rollup)
            {
                // The rollup keeps NULL as char(1) so that it can be part of the primary key.
                var column = ColumnOf(dimension.Name);
                keys.Add($"NULLIF({column}, char(1))");
            }
            else
            {
                // Grouped by the id in dims, named after grouping (one lookup per group, not per row).
                keys.Add(ColumnOf(dimension.Name));
                byId ??= new bool[by.Count];
                byId[i] = true;
            }
        }

        // Every output column is named cN (1-based), so that the ids in dims can be named after grouping (below).
        string[] sums = rollup
            ?
            [
                hasTime ? "bucket" : "0", "IFNULL(SUM(records), 0)", "SUM(input)", "SUM(output)", "SUM(cache_read)", "SUM(cache_write)", "SUM(cache_write_1h)", "SUM(reasoning)",
                "SUM(cost_hi)", "SUM(cost_lo)", "SUM(unpriced)", "SUM(estimated)",
                "TOTAL(energy_low)", "TOTAL(energy)", "TOTAL(energy_high)", "TOTAL(co2e_low)", "TOTAL(co2e)", "TOTAL(co2e_high)",
            ]
            :
            [
                hasTime ? string.Create(CultureInfo.InvariantCulture, $"ts / {TicksPerBucket}") : "0", "COUNT(*)", "SUM(input)", "SUM(output)", "SUM(cache_read)",
                "SUM(cache_write)", "SUM(cache_write_1h)", "SUM(reasoning)",
                "SUM(cost_pico / 1000000)", "SUM(cost_pico % 1000000)", "SUM(cost_pico IS NULL)", "SUM(energy_wh IS NOT NULL)",
                "TOTAL(energy_wh_low)", "TOTAL(energy_wh)", "TOTAL(energy_wh_high)", "TOTAL(co2e_g_low)", "TOTAL(co2e_g)", "TOTAL(co2e_g_high)",
            ];
        var select = new StringBuilder("SELECT ")
            .AppendJoin(", ", keys.Concat(sums).Select((expression, i) => expression + " AS " + Column(i)))
            .Append(rollup ? " FROM " + SqliteSchema.RollupSource : " FROM usage").Append(where);
        var groupBy = Enumerable.Range(1, keys.Count + (hasTime ? 1 : 0)).Where(i => i > keys.Count || !by[i - 1].IsTime).ToList();
        if (groupBy.Count > 0)
        {
            select.Append(" GROUP BY ").Append(string.Join(", ", groupBy));
        }

        if (byId is not null)
        {
            var named = new StringBuilder("SELECT ");
            for (var i = 0; i < keys.Count; i++)
            {
                named.Append(byId[i] ? ValueOf(Column(i)) : Column(i)).Append(", ");
            }

            named.AppendJoin(", ", Enumerable.Range(keys.Count, sums.Length).Select(Column)).Append(" FROM (").Append(select).Append(')');

            // Groups in the order of their values, as when SQL grouped the text: the caller adds them up in this order,
            // and sums of doubles depend on it in their last digits.
            named.Append(" ORDER BY ").Append(string.Join(", ", groupBy));
            select = named;
        }

        command.CommandText = select.ToString();
        // SQL groups time by 15-minute (rows) or hourly (rollup) buckets; several map to one day, week or month. Merge them
        // while reading, so that memory holds the summary's groups, not one entry per bucket (a year by day × project
        // held ~1 M entries at 1 M records).
        var parts = new List<(string?[] Values, UsageTotals Totals)>();
        var merged = hasTime ? new Dictionary<string, int>(StringComparer.Ordinal) : null;
        using var reader = command.ExecuteReader();
        var n = keys.Count;
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var records = reader.GetInt64(n + 1);
            if (records == 0)
            {
                continue;
            }

            var values = new string?[n];
            var bucketStart = new DateTimeOffset(reader.GetInt64(n) * (rollup ? SqliteSchema.RollupTicks : TicksPerBucket), TimeSpan.Zero);
            for (var i = 0; i < n; i++)
            {
                values[i] = by[i].IsTime ? by[i].TimeKey(bucketStart, timeZone) : reader.IsDBNull(i) ? null : reader.GetString(i);
            }

            var cost = (reader.IsDBNull(n + 8) ? 0m : reader.GetInt64(n + 8) * 0.000001m) + (reader.IsDBNull(n + 9) ? 0m : reader.GetInt64(n + 9) * 0.000000000001m);
            var totals = UsageTotals.FromSums(
                records, reader.GetInt64(n + 2), reader.GetInt64(n + 3), reader.GetInt64(n + 4), reader.GetInt64(n + 5), reader.GetInt64(n + 6), reader.GetInt64(n + 7),
                DecimalCanonical.Trim(cost), reader.GetInt64(n + 10), reader.GetInt64(n + 11),
                new EstimateRange(reader.GetDouble(n + 12), reader.GetDouble(n + 13), reader.GetDouble(n + 14)),
                new EstimateRange(reader.GetDouble(n + 15), reader.GetDouble(n + 16), reader.GetDouble(n + 17)));
            if (merged is null)
            {
                parts.Add((values, totals));
                continue;
            }

            // \u0000 marks null so that a null value and an empty string stay different groups (as UsageSummaryBuilder).
            var key = string.Join('\u0001', values.Select(v => v ?? "\u0000"));
            if (merged.TryGetValue(key, out var index))
            {
                parts[index].Totals.Add(totals);
            }
            else
            {
                merged[key] = parts.Count;
                parts.Add((values, totals));
            }
        }

        return parts;
    }

    /// <inheritdoc/>
    public async Task<int> ReviseCostsAsync(IReadOnlyList<CostRevision> revisions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(revisions);
        if (revisions.Count == 0)
        {
            return 0;
        }

        return await RunAsync(write: true, connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);

            // A price name, date, catalogue or provider no record has yet goes into dims first; then the row compares and takes ids.
            using var value = connection.CreateCommand();
            value.Transaction = transaction;
            value.CommandText = "INSERT OR IGNORE INTO dims (value) VALUES (@value)";
            var text = value.Parameters.Add("@value", SqliteType.Text);
            value.Prepare();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText =
                "UPDATE usage SET cost_usd = @cost, cost_pico = @pico, price_entry = v.entry, price_effective_from = v.from_date, price_catalog = v.catalog, " +
                "provider = IFNULL(v.provider, usage.provider) " +
                $"FROM (SELECT {ValueId("@entry")} AS entry, {ValueId("@from")} AS from_date, {ValueId("@catalog")} AS catalog, {ValueId("@provider")} AS provider) AS v " +
                "WHERE id = @id AND (cost_usd IS NOT @cost OR cost_pico IS NOT @pico OR price_entry IS NOT v.entry " +
                "OR price_effective_from IS NOT v.from_date OR price_catalog IS NOT v.catalog OR (v.provider IS NOT NULL AND usage.provider IS NOT v.provider))";
            var id = command.Parameters.Add("@id", SqliteType.Text);
            var cost = command.Parameters.Add("@cost", SqliteType.Text);
            var pico = command.Parameters.Add("@pico", SqliteType.Integer);
            var entry = command.Parameters.Add("@entry", SqliteType.Text);
            var from = command.Parameters.Add("@from", SqliteType.Text);
            var catalog = command.Parameters.Add("@catalog", SqliteType.Text);
            var provider = command.Parameters.Add("@provider", SqliteType.Text);
            command.Prepare();

            // The hourly rollup is keyed by provider: a folded row whose provider changes moves to another key, so the
            // hours it falls in are summed again from their rows below (the cost trigger alone keeps only the old key right).
            using var moved = connection.CreateCommand();
            moved.Transaction = transaction;
            moved.CommandText =
                "SELECT ts / 36000000000 FROM usage WHERE id = @id AND provider IS NOT " + ValueId("@provider") +
                " AND seq <= (SELECT CAST(value AS INTEGER) FROM ledger_meta WHERE key = 'rollup_seq')";
            var movedId = moved.Parameters.Add("@id", SqliteType.Text);
            var movedProvider = moved.Parameters.Add("@provider", SqliteType.Text);
            moved.Prepare();
            var hours = new HashSet<long>();
            var changed = 0;
            foreach (var revision in revisions)
            {
                id.Value = revision.Id;

                // As the inserter stores it: the text only when cost_pico / 10^12 is not the cost.
                cost.Value = revision.CostUsd is { } exact && UsageTotals.RoundCost(exact) != exact
                    ? DecimalCanonical.Trim(exact).ToString(CultureInfo.InvariantCulture)
                    : DBNull.Value;
                pico.Value = revision.CostUsd is { } c ? Pico(c) : DBNull.Value;
                entry.Value = (object?)revision.Price?.Entry ?? DBNull.Value;
                from.Value = (object?)revision.Price?.EffectiveFrom?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? DBNull.Value;
                catalog.Value = (object?)revision.Price?.Catalog ?? DBNull.Value;
                provider.Value = (object?)revision.Provider ?? DBNull.Value;
                foreach (var parameter in new[] { entry, from, catalog, provider })
                {
                    if (parameter.Value is string known)
                    {
                        text.Value = known;
                        value.ExecuteNonQuery();
                    }
                }

                if (revision.Provider is not null)
                {
                    movedId.Value = revision.Id;
                    movedProvider.Value = revision.Provider;
                    if (moved.ExecuteScalar() is long hour)
                    {
                        hours.Add(hour);
                    }
                }

                changed += command.ExecuteNonQuery();
            }

            RefoldHours(connection, transaction, hours);
            transaction.Commit();
            return changed;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sums the rollup's <paramref name="hours"/> again from the rows it holds (those up to <c>rollup_seq</c>).</summary>
    private static void RefoldHours(SqliteConnection connection, SqliteTransaction transaction, HashSet<long> hours)
    {
        if (hours.Count == 0)
        {
            return;
        }

        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM usage_rollup WHERE bucket = @hour; " + SqliteSchema.RollupRefoldHour;
        var hour = command.Parameters.Add("@hour", SqliteType.Integer);
        foreach (var bucket in hours)
        {
            hour.Value = bucket;
            command.ExecuteNonQuery();
        }
    }

    /// <inheritdoc/>
    public async Task<LedgerHealth> CheckAsync(CancellationToken cancellationToken = default)
    {
        var problems = new List<LedgerProblem>();
        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        long records = 0;
        try
        {
            await using var connection = await OpenForReadAsync(cancellationToken).ConfigureAwait(false);
            details["schema version"] = Scalar(connection, "SELECT MAX(version) FROM schema_version");
            details["journal mode"] = Scalar(connection, "PRAGMA journal_mode");
            records = long.Parse(Scalar(connection, "SELECT COUNT(*) FROM usage"), CultureInfo.InvariantCulture);
            using (var check = connection.CreateCommand())
            {
                check.CommandText = "PRAGMA quick_check";
                using var reader = check.ExecuteReader();
                while (reader.Read())
                {
                    var line = reader.GetString(0);
                    if (line != "ok")
                    {
                        problems.Add(new LedgerProblem(Path, 0, null, "integrity: " + line));
                    }
                }
            }

            if (problems.Count == 0)
            {
                CheckRows(connection, problems, cancellationToken);
            }
        }
        catch (LedgerFormatException ex)
        {
            problems.Add(ex.Problem);
        }
        catch (SqliteException ex)
        {
            problems.Add(Translate(ex) is LedgerFormatException format ? format.Problem : new LedgerProblem(Path, 0, null, ex.Message));
        }

        return new LedgerHealth(Spec, records, problems, details);
    }

    /// <summary>
    /// Reads every row as a record, as <c>export</c> and the analytics copy do: a row changed by hand so that it no longer
    /// holds what TokenTrace writes is named (field and <c>seq</c>) instead of failing the next read of it. About 5 µs a
    /// row (docs/architecture/performance.md, "Reading rows through the raw API").
    /// </summary>
    private void CheckRows(SqliteConnection connection, List<LedgerProblem> problems, CancellationToken cancellationToken)
    {
        const int MaxNamed = 20;
        long unreadable = 0;
        using var rows = OpenRows(connection, "ORDER BY seq", []);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (rows.Read() is null)
                {
                    break;
                }
            }
            catch (LedgerFormatException ex)
            {
                if (++unreadable <= MaxNamed)
                {
                    problems.Add(ex.Problem);
                }
            }
        }

        if (unreadable > MaxNamed)
        {
            problems.Add(new LedgerProblem(Path, 0, null, string.Create(CultureInfo.InvariantCulture, $"… and {unreadable - MaxNamed} more rows that cannot be read")));
        }
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>
    /// Closes this ledger's pooled connections, and with them <c>usage.db</c>, <c>-wal</c> and <c>-shm</c> (the last
    /// connection to close checkpoints the WAL). Other ledger objects on the same file share the pools and reopen on
    /// their next call; so does this one if it is used again.
    /// </summary>
    public ValueTask DisposeAsync()
    {
        foreach (var connectionString in new[] { _writeConnectionString, _readConnectionString })
        {
            using var connection = new SqliteConnection(connectionString);
            SqliteConnection.ClearPool(connection);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The write connection's page cache, in KB: 16 MB. An import transaction raises it to
    /// <see cref="LargeWriteCacheKib"/> once it has been handed 250,000 records
    /// (<see cref="SqliteImportTransaction.LargeCacheAfter"/>); every open of a pooled connection sets it back.
    /// </summary>
    internal const int WriteCacheKib = 16_384;

    /// <summary>
    /// The page cache of a large import, in KB: 64 MB keeps the id index's pages in memory once the ledger outgrows the
    /// small cache (an import of 1 M records costs 13 % more CPU with 16 MB; performance.md).
    /// </summary>
    internal const int LargeWriteCacheKib = 65_536;

    /// <summary>
    /// Opens a pooled connection for writing: a 16 MB page cache (<see cref="WriteCacheKib"/>; a large import raises
    /// it), and <c>synchronous = FULL</c> flushes the WAL at every commit, so a write that returned survives a power cut
    /// (NORMAL would lose the last commits then, though not on a crash of the process). The first open migrates the schema.
    /// </summary>
    internal async Task<SqliteConnection> OpenForWriteAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _initialized) == 0)
        {
            EnsureDatabaseFile();
        }

        var connection = await OpenAsync(_writeConnectionString, "PRAGMA busy_timeout = 60000; PRAGMA synchronous = FULL; PRAGMA cache_size = -" + WriteCacheKib.ToString(CultureInfo.InvariantCulture) + ";", cancellationToken)
            .ConfigureAwait(false);
        if (Volatile.Read(ref _initialized) == 0)
        {
            try
            {
                Migrate(connection);
                Volatile.Write(ref _initialized, 1);
            }
            catch (Exception ex)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                if (ex is SqliteException sqlite)
                {
                    throw Translate(sqlite);
                }

                throw;
            }
        }

        return connection;
    }

    /// <summary>Opens a pooled connection for reading: default cache, and <c>query_only</c> so that nothing is written without the writers' durability.</summary>
    internal async Task<SqliteConnection> OpenForReadAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _initialized) == 0)
        {
            // Creates the file and brings the schema up to date; readers never create or migrate.
            await (await OpenForWriteAsync(cancellationToken).ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        }

        return await OpenAsync(_readConnectionString, "PRAGMA busy_timeout = 60000; PRAGMA query_only = 1;", cancellationToken).ConfigureAwait(false);
    }

    private async Task<SqliteConnection> OpenAsync(string connectionString, string pragmas, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);

            // Set on every open: a pooled connection already has them, a new one does not.
            using var pragma = connection.CreateCommand();
            pragma.CommandText = pragmas;
            pragma.ExecuteNonQuery();
            return connection;
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw Translate(ex);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> on a pooled connection; every SQLite error, opening included, goes through <see cref="Translate"/>.</summary>
    private async Task<T> RunAsync<T>(bool write, Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        var connection = write
            ? await OpenForWriteAsync(cancellationToken).ConfigureAwait(false)
            : await OpenForReadAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return Guard(() => work(connection));
        }
    }

    private string ConnectionString(SqliteOpenMode mode) => new SqliteConnectionStringBuilder
    {
        DataSource = Path,
        Mode = mode,
        Pooling = true,
        DefaultTimeout = 60,
    }.ToString();

    /// <summary>The 16 bytes every SQLite 3 database file starts with.</summary>
    private static ReadOnlySpan<byte> SqliteHeader => "SQLite format 3\0"u8;

    /// <summary>
    /// Makes sure <see cref="Path"/> is a SQLite database before SQLite opens it: a missing file is created whole (in a
    /// new owner-only temporary file, migrated, then renamed into place, so that no other process ever sees it empty);
    /// anything else that is not a SQLite file (a folder, a device, a zero-length or foreign file) is an error naming it,
    /// never an empty ledger.
    /// </summary>
    private void EnsureDatabaseFile()
    {
        if (Directory.Exists(Path))
        {
            throw NotADatabase("is a folder, not a SQLite database file; give a file path such as sqlite:/path/usage.db");
        }

        if (!File.Exists(Path))
        {
            CreateDatabaseFile();
            return;
        }

        Span<byte> header = stackalloc byte[16];
        int read;
        try
        {
            using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new LedgerFormatException(new LedgerProblem(Path, 0, null, $"cannot be read ({ex.Message})"), ex);
        }

        if (read == 0)
        {
            throw NotADatabase("is empty (0 bytes), not a SQLite database: a ledger that lost its contents is never read as an empty one; restore it from a backup or move it away (see docs/runbook/backup-and-recovery.md)");
        }

        if (read < header.Length || !header.SequenceEqual(SqliteHeader))
        {
            throw NotADatabase("is not a SQLite database (its first bytes are not the SQLite header); restore it from a backup or choose another path (see docs/runbook/backup-and-recovery.md)");
        }
    }

    private LedgerFormatException NotADatabase(string problem) => new(new LedgerProblem(Path, 0, null, problem));

    private void CreateDatabaseFile()
    {
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        SecureFile.EnsureDirectory(directory);
        var (temporary, stream) = SecureFile.CreateTemporary(directory, System.IO.Path.GetFileName(Path));
        stream.Dispose();
        try
        {
            var builder = new SqliteConnectionStringBuilder { DataSource = temporary, Mode = SqliteOpenMode.ReadWrite, Pooling = false };
            using (var connection = new SqliteConnection(builder.ToString()))
            {
                connection.Open();
                Migrate(connection);
            }

            try
            {
                File.Move(temporary, Path, overwrite: false);
            }
            catch (IOException) when (File.Exists(Path))
            {
                // Another process created it first: use theirs.
            }
        }
        catch (SqliteException ex)
        {
            throw Translate(ex);
        }
        finally
        {
            File.Delete(temporary);
            File.Delete(temporary + "-wal");
            File.Delete(temporary + "-shm");
        }
    }

    private void Migrate(SqliteConnection connection)
    {
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL";
            wal.ExecuteNonQuery();
        }

        if (IsUpToDate(connection))
        {
            return;
        }

        using var transaction = connection.BeginTransaction(deferred: false);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied TEXT NOT NULL); SELECT COALESCE(MAX(version), 0) FROM schema_version";
        var version = Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        if (version > SqliteSchema.Latest)
        {
            throw new LedgerFormatException(new LedgerProblem(Path, 0, null,
                string.Create(CultureInfo.InvariantCulture, $"schema version {version} was written by a newer TokenTrace (this one knows up to {SqliteSchema.Latest}); upgrade TokenTrace")));
        }

        for (var next = version + 1; next <= SqliteSchema.Latest; next++)
        {
            command.CommandText = SqliteSchema.Migrations[next - 1];
            command.ExecuteNonQuery();
            command.CommandText = "INSERT INTO schema_version (version, applied) VALUES (@v, @at)";
            command.Parameters.Clear();
            command.Parameters.AddWithValue("@v", next);
            command.Parameters.AddWithValue("@at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            command.ExecuteNonQuery();
            command.Parameters.Clear();
        }

        transaction.Commit();
        command.Transaction = null;
        command.CommandText = SqliteSchema.AfterMigrations;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Whether the file is at the latest schema with nothing left to drop, read without a write lock: the first open
    /// of every process (a summary, the status line) then does not queue behind a writer, which matters while an
    /// import holds the lock for its whole transaction. Anything else goes through the locked path, which reads the
    /// version again.
    /// </summary>
    private static bool IsUpToDate(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'schema_version'), EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'usage_schema5')";
        using (var reader = command.ExecuteReader())
        {
            reader.Read();
            if (reader.GetInt64(0) == 0 || reader.GetInt64(1) != 0)
            {
                return false;
            }
        }

        command.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture) == SqliteSchema.Latest;
    }

    /// <summary>Reads one row of <see cref="SelectColumns"/>: the fields in <see cref="UsageRecordFields.Names"/> order, then <c>cost_pico</c>.</summary>
    /// <summary>Reads the rows of <c>usage</c> that <paramref name="whereAndOrder"/> selects, fast (see <see cref="SqliteRowReader"/>).</summary>
    private static SqliteRowReader OpenRows(SqliteConnection connection, string whereAndOrder, IEnumerable<SqliteParameter> parameters) =>
        new(connection, whereAndOrder, parameters, SelectColumns);

    /// <summary>
    /// Brings the rollup up to date with an append of <paramref name="added"/> rows, or leaves them waiting: a batch
    /// that is the whole backlog and has few keys (<see cref="RollupKeysPerAppend"/>, or one per 4 records) is upserted
    /// from its sums in memory; a batch with about one key per record (records spread over many hours) waits, and the
    /// backlog is folded in bulk once it reaches <see cref="RollupLag"/> rows, at most the append's own rows plus
    /// <see cref="RollupLag"/> or <see cref="RebuildStep"/> (the larger) of it. Outside a rebuild the backlog never
    /// exceeds that; after a rebuild set <c>rollup_seq</c> back to 0 it does, and an uncapped fold would take the whole
    /// ledger inside this append's transaction (tens of seconds at 10 M rows). A partial fold keeps the rollup a prefix
    /// of the rows up to <c>rollup_seq</c>, which summaries complete by reading the rest as rows.
    /// </summary>
    private void UpdateRollup(SqliteConnection connection, SqliteTransaction transaction, int added, SqliteRollupBatch rollup)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT CAST(value AS INTEGER), (SELECT IFNULL(MAX(seq), 0) FROM usage) FROM ledger_meta WHERE key = 'rollup_seq'";
        long folded, last;
        using (var reader = command.ExecuteReader())
        {
            reader.Read();
            (folded, last) = (reader.GetInt64(0), reader.GetInt64(1));
        }

        if (added > 0 && last - folded == added && rollup.Keys <= Math.Max(RollupKeysPerAppend, added / 4))
        {
            rollup.Write(connection);
            command.CommandText = "UPDATE ledger_meta SET value = @to WHERE key = 'rollup_seq'";
        }
        else if (last - folded >= RollupLag)
        {
            command.CommandText = SqliteSchema.RollupFold + "; UPDATE ledger_meta SET value = @to WHERE key = 'rollup_seq'";
            command.Parameters.AddWithValue("@from", folded);
        }
        else
        {
            return;
        }

        command.Parameters.AddWithValue("@to", Math.Min(last, folded + added + Math.Max(RollupLag, RebuildStep)));
        command.ExecuteNonQuery();
    }

    /// <summary>The position of <c>costUsd</c> in <see cref="UsageRecordFields.Names"/>.</summary>
    private static int CostField => UsageRecordFields.IndexOf["costUsd"];

    /// <summary>The cost in picodollars, as stored in <c>cost_pico</c> and summed by the rollup.</summary>
    internal static long Pico(decimal cost) => (long)(UsageTotals.RoundCost(cost) * 1_000_000_000_000m);

    private static string ColumnOf(string dimension) => dimension switch
    {
        "user" => "user_name",
        "model" or "provider" or "project" or "job" or "task" or "agent" or "session" or "source" or "region" => dimension,
        _ => throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "not a column dimension"),
    };

    private static string Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
    }

    private T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (SqliteException ex)
        {
            throw Translate(ex);
        }
    }

    /// <summary>Damage to the file becomes a <see cref="LedgerFormatException"/> naming it; anything else an <see cref="IOException"/> naming the ledger.</summary>
    private Exception Translate(SqliteException ex) => ex.SqliteErrorCode switch
    {
        14 => new LedgerFormatException(new LedgerProblem(Path, 0, null, $"cannot be opened as a SQLite database ({ex.Message.TrimEnd('.')})"), ex),
        1 when ex.Message.Contains("integer overflow", StringComparison.Ordinal) => new LedgerFormatException(new LedgerProblem(Path, 0, null,
            "a sum over stored records overflows: the ledger holds counts written before TokenTrace bounded them (docs/methodology/limits.md); find them with `tokentrace export` and restore the ledger from a backup"), ex),
        11 or 26 => new LedgerFormatException(new LedgerProblem(Path, 0, null, $"not a usable SQLite database ({ex.Message.TrimEnd('.')}); restore it from a backup (see docs/runbook/backup-and-recovery.md)"), ex),
        _ => new IOException($"SQLite ledger {Path}: {ex.Message}", ex),
    };

    /// <summary>Every field as text (values in <c>dims</c> looked up by id), then <c>cost_pico</c>: what <see cref="ReadRecord"/> reads.</summary>
    private static string BuildSelectColumns() =>
        string.Join(", ", SqliteSchema.Columns.Select(c => SqliteSchema.IsDictionaryColumn(c.Column) ? ValueOf("usage." + c.Column) : c.Column)) + ", cost_pico";

    private static string Column(int index) => "c" + (index + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>The <c>dims</c> id of a text (NULL when no record has it).</summary>
    private static string ValueId(string text) => $"(SELECT id FROM dims WHERE value = {text})";

    /// <summary>The text of a <c>dims</c> id.</summary>
    private static string ValueOf(string id) => $"(SELECT value FROM dims WHERE id = {id})";

    private static string BuildInsertSql()
    {
        var columns = string.Join(", ", SqliteSchema.Columns.Select(c => c.Column)) + ", cost_pico";
        var values = string.Join(", ", Enumerable.Range(1, SqliteSchema.Columns.Length + 1).Select(i => "?" + i.ToString(CultureInfo.InvariantCulture)));
        return $"INSERT OR IGNORE INTO usage ({columns}) VALUES ({values})";
    }
}
