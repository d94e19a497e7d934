using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Microsoft.Data.Sqlite;

namespace TokenTrace.Scale;

/// <summary>
/// Raw insert speed of the same prepared records into schema variants, with the ledger's settings (WAL,
/// <c>synchronous = FULL</c>, 64 MB cache, one transaction per 5,000 records): the current <c>usage</c> table
/// (schema 4, copied here because <c>SqliteSchema</c> is internal) with and without each index and the hourly rollup;
/// a narrow dictionary-encoded table; that table plus per-batch aggregated per-dimension rollups; and DuckDB's appender.
/// </summary>
internal static class SqliteInsertVariants
{
    private const int Batch = 5_000;

    private const string CurrentTable = """
        CREATE TABLE usage (
            seq INTEGER PRIMARY KEY, id TEXT NOT NULL {0}, ts INTEGER NOT NULL, provider TEXT, model TEXT NOT NULL, operation TEXT NOT NULL,
            input INTEGER NOT NULL, cache_read INTEGER NOT NULL, cache_write INTEGER NOT NULL, cache_write_1h INTEGER NOT NULL,
            output INTEGER NOT NULL, reasoning INTEGER NOT NULL, extra TEXT, project TEXT, job TEXT, task TEXT, agent TEXT, session TEXT,
            user_name TEXT, tags TEXT, service_tier TEXT, cost_usd TEXT, cost_pico INTEGER, price_entry TEXT, price_effective_from TEXT,
            price_catalog TEXT, energy_wh REAL, energy_wh_low REAL, energy_wh_high REAL, co2e_g REAL, co2e_g_low REAL, co2e_g_high REAL,
            region TEXT, source TEXT NOT NULL, latency_ms REAL, status TEXT);
        """;

    private static readonly Dictionary<string, string> Indexes = new(StringComparer.Ordinal)
    {
        ["ts"] = "CREATE INDEX ix_usage_ts ON usage(ts);",
        ["project"] = "CREATE INDEX ix_usage_project_ts ON usage(project, ts) WHERE project IS NOT NULL;",
        ["job"] = "CREATE INDEX ix_usage_job ON usage(job) WHERE job IS NOT NULL;",
        ["session"] = "CREATE INDEX ix_usage_session ON usage(session) WHERE session IS NOT NULL;",
    };

    private const string HourlyRollup = """
        CREATE TABLE usage_rollup (bucket INTEGER NOT NULL, model TEXT NOT NULL, provider TEXT NOT NULL, source TEXT NOT NULL, region TEXT NOT NULL,
            records INTEGER NOT NULL, input INTEGER NOT NULL, output INTEGER NOT NULL, cache_read INTEGER NOT NULL, cache_write INTEGER NOT NULL,
            cache_write_1h INTEGER NOT NULL, reasoning INTEGER NOT NULL, cost_hi INTEGER NOT NULL, cost_lo INTEGER NOT NULL, unpriced INTEGER NOT NULL,
            estimated INTEGER NOT NULL, energy_low REAL NOT NULL, energy REAL NOT NULL, energy_high REAL NOT NULL, co2e_low REAL NOT NULL, co2e REAL NOT NULL,
            co2e_high REAL NOT NULL, PRIMARY KEY (bucket, model, provider, source, region)) WITHOUT ROWID;
        """;

    private const string SumColumns = "records, input, output, cache_read, cache_write, cache_write_1h, reasoning, cost_hi, cost_lo, unpriced, estimated, energy_low, energy, energy_high, co2e_low, co2e, co2e_high";

    /// <summary>The narrow table: every repeated string is an integer id into <c>dims</c>.</summary>
    private const string NarrowTable = """
        CREATE TABLE dims (id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, value TEXT NOT NULL, UNIQUE (kind, value));
        CREATE TABLE usage (
            seq INTEGER PRIMARY KEY, id TEXT NOT NULL {0}, ts INTEGER NOT NULL, provider INTEGER, model INTEGER NOT NULL, operation INTEGER NOT NULL,
            input INTEGER NOT NULL, cache_read INTEGER NOT NULL, cache_write INTEGER NOT NULL, cache_write_1h INTEGER NOT NULL,
            output INTEGER NOT NULL, reasoning INTEGER NOT NULL, extra TEXT, project INTEGER, job INTEGER, task INTEGER, agent INTEGER, session INTEGER,
            user_name INTEGER, tags INTEGER, service_tier INTEGER, cost_pico INTEGER, price INTEGER,
            energy_wh REAL, energy_wh_low REAL, energy_wh_high REAL, co2e_g REAL, co2e_g_low REAL, co2e_g_high REAL,
            region INTEGER, source INTEGER NOT NULL, latency_ms REAL, status INTEGER);
        """;

    /// <summary>Per-dimension rollups: one row per (dimension kind, value id, model id, hour) with the 17 sums.</summary>
    private const string DimensionRollup = """
        CREATE TABLE rollup_dim (kind INTEGER NOT NULL, value INTEGER NOT NULL, model INTEGER NOT NULL, bucket INTEGER NOT NULL,
            records INTEGER NOT NULL, input INTEGER NOT NULL, output INTEGER NOT NULL, cache_read INTEGER NOT NULL, cache_write INTEGER NOT NULL,
            cache_write_1h INTEGER NOT NULL, reasoning INTEGER NOT NULL, cost_hi INTEGER NOT NULL, cost_lo INTEGER NOT NULL, unpriced INTEGER NOT NULL,
            estimated INTEGER NOT NULL, energy_low REAL NOT NULL, energy REAL NOT NULL, energy_high REAL NOT NULL, co2e_low REAL NOT NULL, co2e REAL NOT NULL,
            co2e_high REAL NOT NULL, PRIMARY KEY (kind, value, model, bucket)) WITHOUT ROWID;
        """;

    private static readonly string[] Dimensions = ["all", "project", "job", "task", "agent", "session", "user", "tag", "source"];

    public static async Task RunAsync(IReadOnlyList<UsageRecord> records, string scratch, string[] only)
    {
        var variants = new (string Name, Func<string, (double Seconds, string Note)> Run)[]
        {
            ("current: unique id + 4 indexes + hourly rollup (= ledger)", path => Current(records, path, "UNIQUE", [.. Indexes.Values], rollup: true)),
            ("current: unique id + 4 indexes, no rollup", path => Current(records, path, "UNIQUE", [.. Indexes.Values], rollup: false)),
            ("current: unique id only", path => Current(records, path, "UNIQUE", [], rollup: false)),
            ("current: unique id + ix_usage_ts", path => Current(records, path, "UNIQUE", [Indexes["ts"]], rollup: false)),
            ("current: unique id + ix_usage_project_ts", path => Current(records, path, "UNIQUE", [Indexes["project"]], rollup: false)),
            ("current: unique id + ix_usage_job", path => Current(records, path, "UNIQUE", [Indexes["job"]], rollup: false)),
            ("current: unique id + ix_usage_session", path => Current(records, path, "UNIQUE", [Indexes["session"]], rollup: false)),
            ("current: no unique id, no index", path => Current(records, path, "", [], rollup: false)),
            ("current = ledger, but synchronous = OFF (no fsync at commit)", path => Current(records, path, "UNIQUE", [.. Indexes.Values], rollup: true, "PRAGMA synchronous = OFF;")),
            ("narrow dictionary-encoded: unique id", path => Narrow(records, path, "UNIQUE", rollups: false)),
            ("narrow dictionary-encoded: no unique id", path => Narrow(records, path, "", rollups: false)),
            ("narrow + per-batch per-dimension rollups (kind, value, model, hour)", path => Narrow(records, path, "UNIQUE", rollups: true)),
            ("DuckDB appender, narrow columns (file database)", path => DuckDb(records, path)),
            ("narrow, raw SQLite API binding, unique id text", path => (0, RawNarrowWriter.Write(records, path, uniqueText: true, Batch, rollups: false))),
            ("narrow, raw binding, unique 64-bit id hash", path => (0, RawNarrowWriter.Write(records, path, uniqueText: false, Batch, rollups: false))),
            ("narrow, raw binding, id hash, 50,000 records per transaction", path => (0, RawNarrowWriter.Write(records, path, uniqueText: false, 50_000, rollups: false))),
            ("narrow, raw binding, id hash, 50,000 per transaction + per-batch per-dimension rollups by UTC day", path => (0, RawNarrowWriter.Write(records, path, uniqueText: false, 50_000, rollups: true))),
        };

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| insert variant ({records.Count:N0} prepared records, batches of {Batch:N0}) | wall s | records/s (wall) | CPU s | records/CPU-s | notes |"));
        Console.WriteLine("|---|---:|---:|---:|---:|---|");
        var number = 0;
        foreach (var (name, run) in variants)
        {
            number++;
            if (only.Length > 0 && !only.Contains(number.ToString(CultureInfo.InvariantCulture)))
            {
                continue;
            }

            var path = Path.Combine(scratch, string.Create(CultureInfo.InvariantCulture, $"variant-{number}.db"));
            ImportProfile.DeleteDatabase(path);
            File.Delete(path + ".wal");
            GC.Collect();
            var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var (_, note) = run(path);
            var seconds = clock.Elapsed.TotalSeconds;
            var cpuSeconds = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            var size = new FileInfo(path).Length + (File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {number}. {name} | {seconds:F2} | {records.Count / seconds:N0} | {cpuSeconds:F2} | {records.Count / cpuSeconds:N0} | {size / 1e6:F0} MB{note} |"));
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private static SqliteConnection Open(string path, string schema)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = -65536;");
        Execute(connection, schema);
        return connection;
    }

    private static (double, string) Current(IReadOnlyList<UsageRecord> records, string path, string unique, string[] indexes, bool rollup, string pragmas = "")
    {
        using var connection = Open(path, pragmas + CurrentTable.Replace("{0}", unique, StringComparison.Ordinal) + string.Concat(indexes) + (rollup ? HourlyRollup : ""));
        var columns = "id, ts, provider, model, operation, input, cache_read, cache_write, cache_write_1h, output, reasoning, extra, project, job, task, agent, session, user_name, tags, service_tier, cost_usd, price_entry, price_effective_from, price_catalog, energy_wh, energy_wh_low, energy_wh_high, co2e_g, co2e_g_low, co2e_g_high, region, source, latency_ms, status, cost_pico";
        var count = columns.Split(',').Length;
        var clock = Stopwatch.StartNew();
        long bindTicks = 0, stepTicks = 0, rollupTicks = 0, commitTicks = 0;
        for (var start = 0; start < records.Count; start += Batch)
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"INSERT OR IGNORE INTO usage ({columns}) VALUES ({string.Join(", ", Enumerable.Range(0, count).Select(i => "@p" + i.ToString(CultureInfo.InvariantCulture)))})";
            var p = Enumerable.Range(0, count).Select(i => command.Parameters.Add("@p" + i.ToString(CultureInfo.InvariantCulture), SqliteType.Text)).ToArray();
            command.Prepare();
            var groups = new Dictionary<(long, string, string, string, string), Sums>();
            for (var i = start; i < Math.Min(records.Count, start + Batch); i++)
            {
                var r = records[i];
                var t0 = Stopwatch.GetTimestamp();
                BindCurrent(p, r);
                var t1 = Stopwatch.GetTimestamp();
                var added = command.ExecuteNonQuery();
                var t2 = Stopwatch.GetTimestamp();
                bindTicks += t1 - t0;
                stepTicks += t2 - t1;
                if (rollup && added == 1)
                {
                    var key = (r.Timestamp.UtcTicks / TimeSpan.TicksPerHour, r.Model, r.Provider ?? "\u0001", r.Source, r.Region ?? "\u0001");
                    if (!groups.TryGetValue(key, out var sums))
                    {
                        groups[key] = sums = new Sums();
                    }

                    sums.Add(r);
                }
            }

            var t3 = Stopwatch.GetTimestamp();
            if (rollup)
            {
                Upsert(connection, transaction, "usage_rollup", ["bucket", "model", "provider", "source", "region"], groups.Select(g => (new object[] { g.Key.Item1, g.Key.Item2, g.Key.Item3, g.Key.Item4, g.Key.Item5 }, g.Value)));
            }

            var t4 = Stopwatch.GetTimestamp();
            transaction.Commit();
            rollupTicks += t4 - t3;
            commitTicks += Stopwatch.GetTimestamp() - t4;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        return (seconds, string.Create(CultureInfo.InvariantCulture,
            $"; bind {Us(bindTicks, records.Count):F2} µs/rec, sqlite step {Us(stepTicks, records.Count):F2} µs/rec, commit {Us(commitTicks, records.Count):F2} µs/rec{(rollup ? $", rollup upserts {Us(rollupTicks, records.Count):F2} µs/rec" : "")}"));
    }

    private static double Us(long ticks, int count) => ticks * 1e6 / Stopwatch.Frequency / count;

    private static void BindCurrent(SqliteParameter[] p, UsageRecord r)
    {
        var t = r.Tokens;
        var a = r.Attribution;
        var energy = r.Impact?.EnergyWh;
        var co2e = r.Impact?.Co2eGrams;
        p[0].Value = r.Id;
        p[1].Value = r.Timestamp.UtcTicks;
        p[2].Value = Text(r.Provider);
        p[3].Value = r.Model;
        p[4].Value = r.Operation;
        p[5].Value = t.Input;
        p[6].Value = t.CacheRead;
        p[7].Value = t.CacheWrite;
        p[8].Value = t.CacheWrite1h;
        p[9].Value = t.Output;
        p[10].Value = t.Reasoning;
        p[11].Value = Text(UsageRecordFields.ExtraText(t));
        p[12].Value = Text(a.Project);
        p[13].Value = Text(a.Job);
        p[14].Value = Text(a.Task);
        p[15].Value = Text(a.Agent);
        p[16].Value = Text(a.Session);
        p[17].Value = Text(a.User);
        p[18].Value = Text(UsageRecordFields.TagsText(a));
        p[19].Value = Text(r.ServiceTier);
        p[20].Value = Text(DecimalCanonical.Trim(r.CostUsd)?.ToString(CultureInfo.InvariantCulture));
        p[21].Value = Text(r.Price?.Entry);
        p[22].Value = Text(r.Price?.EffectiveFrom?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        p[23].Value = Text(r.Price?.Catalog);
        p[24].Value = Number(energy?.Central);
        p[25].Value = Number(energy?.Low);
        p[26].Value = Number(energy?.High);
        p[27].Value = Number(co2e?.Central);
        p[28].Value = Number(co2e?.Low);
        p[29].Value = Number(co2e?.High);
        p[30].Value = Text(r.Region);
        p[31].Value = r.Source;
        p[32].Value = Number(r.LatencyMs);
        p[33].Value = Text(r.Status);
        p[34].Value = r.CostUsd is { } cost ? Pico(cost) : DBNull.Value;
        for (var i = 0; i < p.Length; i++)
        {
            p[i].SqliteType = p[i].Value switch { long => SqliteType.Integer, double => SqliteType.Real, _ => SqliteType.Text };
        }
    }

    private static (double, string) Narrow(IReadOnlyList<UsageRecord> records, string path, string unique, bool rollups)
    {
        using var connection = Open(path, NarrowTable.Replace("{0}", unique, StringComparison.Ordinal) + (rollups ? DimensionRollup : ""));
        var dictionary = new Dictionary<(int Kind, string Value), long>();
        var columns = "id, ts, provider, model, operation, input, cache_read, cache_write, cache_write_1h, output, reasoning, extra, project, job, task, agent, session, user_name, tags, service_tier, cost_pico, price, energy_wh, energy_wh_low, energy_wh_high, co2e_g, co2e_g_low, co2e_g_high, region, source, latency_ms, status";
        var count = columns.Split(',').Length;
        var clock = Stopwatch.StartNew();
        long rollupTicks = 0, rollupRows = 0;
        var ids = new long[16];
        for (var start = 0; start < records.Count; start += Batch)
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"INSERT OR IGNORE INTO usage ({columns}) VALUES ({string.Join(", ", Enumerable.Range(0, count).Select(i => "@p" + i.ToString(CultureInfo.InvariantCulture)))})";
            var p = Enumerable.Range(0, count).Select(i => command.Parameters.Add("@p" + i.ToString(CultureInfo.InvariantCulture), SqliteType.Integer)).ToArray();
            p[0].SqliteType = SqliteType.Text;
            p[11].SqliteType = SqliteType.Text;
            command.Prepare();
            using var newDim = connection.CreateCommand();
            newDim.Transaction = transaction;
            newDim.CommandText = "INSERT INTO dims (kind, value) VALUES (@k, @v) RETURNING id";
            var kindParameter = newDim.Parameters.Add("@k", SqliteType.Integer);
            var valueParameter = newDim.Parameters.Add("@v", SqliteType.Text);

            long Id(int kind, string? value)
            {
                if (value is null)
                {
                    return -1;
                }

                if (!dictionary.TryGetValue((kind, value), out var id))
                {
                    kindParameter.Value = kind;
                    valueParameter.Value = value;
                    id = (long)newDim.ExecuteScalar()!;
                    dictionary[(kind, value)] = id;
                }

                return id;
            }

            var groups = new Dictionary<(int Kind, long Value, long Model, long Bucket), Sums>();
            for (var i = start; i < Math.Min(records.Count, start + Batch); i++)
            {
                var r = records[i];
                var t = r.Tokens;
                var a = r.Attribution;
                var tags = UsageRecordFields.TagsText(a);
                ids[0] = Id(1, r.Provider);
                ids[1] = Id(2, r.Model);
                ids[2] = Id(3, r.Operation);
                ids[3] = Id(4, a.Project);
                ids[4] = Id(5, a.Job);
                ids[5] = Id(6, a.Task);
                ids[6] = Id(7, a.Agent);
                ids[7] = Id(8, a.Session);
                ids[8] = Id(9, a.User);
                ids[9] = Id(10, tags);
                ids[10] = Id(11, r.ServiceTier);
                ids[11] = Id(12, r.Price is { } price ? price.Entry + "|" + price.EffectiveFrom?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "|" + price.Catalog : null);
                ids[12] = Id(13, r.Region);
                ids[13] = Id(14, r.Source);
                ids[14] = Id(15, r.Status);
                p[0].Value = r.Id;
                p[1].Value = r.Timestamp.UtcTicks;
                p[2].Value = Dim(ids[0]);
                p[3].Value = ids[1];
                p[4].Value = ids[2];
                p[5].Value = t.Input;
                p[6].Value = t.CacheRead;
                p[7].Value = t.CacheWrite;
                p[8].Value = t.CacheWrite1h;
                p[9].Value = t.Output;
                p[10].Value = t.Reasoning;
                p[11].Value = (object?)UsageRecordFields.ExtraText(t) ?? DBNull.Value;
                for (var d = 0; d < 7; d++)
                {
                    p[12 + d].Value = Dim(ids[3 + d]);
                }

                p[19].Value = Dim(ids[10]);
                p[20].Value = r.CostUsd is { } cost ? Pico(cost) : DBNull.Value;
                p[21].Value = Dim(ids[11]);
                p[22].Value = Number(r.Impact?.EnergyWh.Central);
                p[23].Value = Number(r.Impact?.EnergyWh.Low);
                p[24].Value = Number(r.Impact?.EnergyWh.High);
                p[25].Value = Number(r.Impact?.Co2eGrams.Central);
                p[26].Value = Number(r.Impact?.Co2eGrams.Low);
                p[27].Value = Number(r.Impact?.Co2eGrams.High);
                p[28].Value = Dim(ids[12]);
                p[29].Value = ids[13];
                p[30].Value = Number(r.LatencyMs);
                p[31].Value = Dim(ids[14]);
                for (var k = 22; k < 31; k++)
                {
                    p[k].SqliteType = p[k].Value is double ? SqliteType.Real : SqliteType.Integer;
                }

                if (command.ExecuteNonQuery() == 1 && rollups)
                {
                    var bucket = r.Timestamp.UtcTicks / TimeSpan.TicksPerHour;
                    Add(groups, (0, 0, ids[1], bucket), r);
                    for (var d = 1; d <= 6; d++)
                    {
                        if (ids[2 + d] >= 0)
                        {
                            Add(groups, (d, ids[2 + d], ids[1], bucket), r);
                        }
                    }

                    foreach (var (key, value) in a.Tags)
                    {
                        Add(groups, (7, Id(16, key + "=" + value), ids[1], bucket), r);
                    }

                    Add(groups, (8, ids[13], ids[1], bucket), r);
                }
            }

            var t0 = Stopwatch.GetTimestamp();
            if (rollups)
            {
                rollupRows += groups.Count;
                Upsert(connection, transaction, "rollup_dim", ["kind", "value", "model", "bucket"], groups.Select(g => (new object[] { g.Key.Kind, g.Key.Value, g.Key.Model, g.Key.Bucket }, g.Value)));
            }

            rollupTicks += Stopwatch.GetTimestamp() - t0;
            transaction.Commit();
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var note = $"; {dictionary.Count:N0} distinct values in dims";
        if (rollups)
        {
            using var rows = connection.CreateCommand();
            rows.CommandText = "SELECT kind, COUNT(*) FROM rollup_dim GROUP BY kind";
            using var reader = rows.ExecuteReader();
            var perKind = new List<string>();
            while (reader.Read())
            {
                perKind.Add($"{Dimensions[reader.GetInt32(0)]} {reader.GetInt64(1):N0}");
            }

            note += string.Create(CultureInfo.InvariantCulture, $"; {rollupRows:N0} upserts ({Us(rollupTicks, records.Count):F2} µs/rec); rollup rows: {string.Join(", ", perKind)}");
        }

        return (seconds, note);

        static object Dim(long id) => id < 0 ? DBNull.Value : id;
    }

    private static (double, string) DuckDb(IReadOnlyList<UsageRecord> records, string path)
    {
        File.Delete(path);
        using var connection = new DuckDBConnection("Data Source=" + path);
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = """
                CREATE TABLE usage (id VARCHAR, ts BIGINT, provider VARCHAR, model VARCHAR, operation VARCHAR, input BIGINT, cache_read BIGINT,
                    cache_write BIGINT, cache_write_1h BIGINT, output BIGINT, reasoning BIGINT, project VARCHAR, job VARCHAR, task VARCHAR, agent VARCHAR,
                    session VARCHAR, user_name VARCHAR, tags VARCHAR, cost_pico BIGINT, price_entry VARCHAR, energy_wh DOUBLE, energy_wh_low DOUBLE,
                    energy_wh_high DOUBLE, co2e_g DOUBLE, co2e_g_low DOUBLE, co2e_g_high DOUBLE, region VARCHAR, source VARCHAR, latency_ms DOUBLE)
                """;
            create.ExecuteNonQuery();
        }

        var clock = Stopwatch.StartNew();
        for (var start = 0; start < records.Count; start += Batch)
        {
            using (var appender = connection.CreateAppender("usage"))
            {
                for (var i = start; i < Math.Min(records.Count, start + Batch); i++)
                {
                    var r = records[i];
                    var t = r.Tokens;
                    var a = r.Attribution;
                    var row = appender.CreateRow();
                    row.AppendValue(r.Id).AppendValue(r.Timestamp.UtcTicks).AppendValue(r.Provider).AppendValue(r.Model).AppendValue(r.Operation)
                        .AppendValue(t.Input).AppendValue(t.CacheRead).AppendValue(t.CacheWrite).AppendValue(t.CacheWrite1h).AppendValue(t.Output).AppendValue(t.Reasoning)
                        .AppendValue(a.Project).AppendValue(a.Job).AppendValue(a.Task).AppendValue(a.Agent).AppendValue(a.Session).AppendValue(a.User)
                        .AppendValue(UsageRecordFields.TagsText(a)).AppendValue(r.CostUsd is { } cost ? Pico(cost) : (long?)null).AppendValue(r.Price?.Entry)
                        .AppendValue(r.Impact?.EnergyWh.Central).AppendValue(r.Impact?.EnergyWh.Low).AppendValue(r.Impact?.EnergyWh.High)
                        .AppendValue(r.Impact?.Co2eGrams.Central).AppendValue(r.Impact?.Co2eGrams.Low).AppendValue(r.Impact?.Co2eGrams.High)
                        .AppendValue(r.Region).AppendValue(r.Source).AppendValue(r.LatencyMs).EndRow();
                }
            }
        }

        using (var checkpoint = connection.CreateCommand())
        {
            checkpoint.CommandText = "CHECKPOINT";
            checkpoint.ExecuteNonQuery();
        }

        return (clock.Elapsed.TotalSeconds, "; one appender (flushed) per 5,000 records, then CHECKPOINT; no unique id check");
    }

    private static void Add<TKey>(Dictionary<TKey, Sums> groups, TKey key, UsageRecord record)
        where TKey : notnull
    {
        if (!groups.TryGetValue(key, out var sums))
        {
            groups[key] = sums = new Sums();
        }

        sums.Add(record);
    }

    private static void Upsert(SqliteConnection connection, SqliteTransaction transaction, string table, string[] keys, IEnumerable<(object[] Key, Sums Sums)> rows)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var sums = SumColumns.Split(", ");
        command.CommandText = $"INSERT INTO {table} ({string.Join(", ", keys)}, {SumColumns}) VALUES ({string.Join(", ", keys.Concat(sums).Select(c => "@" + c))}) " +
            $"ON CONFLICT ({string.Join(", ", keys)}) DO UPDATE SET {string.Join(", ", sums.Select(c => $"{c} = {c} + excluded.{c}"))}";
        var keyParameters = keys.Select(k => command.Parameters.Add("@" + k, SqliteType.Integer)).ToArray();
        var sumParameters = sums.Select(c => command.Parameters.Add("@" + c, c.StartsWith("energy", StringComparison.Ordinal) || c.StartsWith("co2e", StringComparison.Ordinal) ? SqliteType.Real : SqliteType.Integer)).ToArray();
        command.Prepare();
        foreach (var (key, s) in rows)
        {
            for (var i = 0; i < key.Length; i++)
            {
                keyParameters[i].Value = key[i];
                keyParameters[i].SqliteType = key[i] is string ? SqliteType.Text : SqliteType.Integer;
            }

            object[] values = [s.Records, s.Input, s.Output, s.CacheRead, s.CacheWrite, s.CacheWrite1h, s.Reasoning, s.CostHi, s.CostLo, s.Unpriced, s.Estimated,
                s.Energy.Low, s.Energy.Central, s.Energy.High, s.Co2e.Low, s.Co2e.Central, s.Co2e.High];
            for (var i = 0; i < values.Length; i++)
            {
                sumParameters[i].Value = values[i];
            }

            command.ExecuteNonQuery();
        }
    }

    private static object Text(string? value) => (object?)value ?? DBNull.Value;

    private static object Number(double? value) => value is { } v ? v : DBNull.Value;

    private static long Pico(decimal cost) => (long)(UsageTotals.RoundCost(cost) * 1_000_000_000_000m);

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>The 17 sums a summary row holds, as the ledger's rollup keeps them.</summary>
    private sealed class Sums
    {
        public long Records;
        public long Input;
        public long Output;
        public long CacheRead;
        public long CacheWrite;
        public long CacheWrite1h;
        public long Reasoning;
        public long CostHi;
        public long CostLo;
        public long Unpriced;
        public long Estimated;
        public EstimateRange Energy;
        public EstimateRange Co2e;

        public void Add(UsageRecord record)
        {
            var t = record.Tokens;
            Records++;
            Input += t.Input;
            Output += t.Output;
            CacheRead += t.CacheRead;
            CacheWrite += t.CacheWrite;
            CacheWrite1h += t.CacheWrite1h;
            Reasoning += t.Reasoning;
            if (record.CostUsd is { } cost)
            {
                var pico = Pico(cost);
                CostHi += pico / 1_000_000;
                CostLo += pico % 1_000_000;
            }
            else
            {
                Unpriced++;
            }

            if (record.Impact is { } impact)
            {
                Estimated++;
                Energy += impact.EnergyWh;
                Co2e += impact.Co2eGrams;
            }
        }
    }
}
