using System.Diagnostics;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace TokenTrace.Scale;

/// <summary>
/// Prototype of the fast write path: the narrow dictionary-encoded row bound through the raw SQLite API
/// (SQLitePCLRaw, under Microsoft.Data.Sqlite) with a reused prepared statement — integers bound as integers, the id
/// as UTF-8 bytes, no per-execute parameter collection — optionally deduplicated on a 64-bit hash of the id instead of
/// the id text, with larger transactions and per-batch aggregated per-dimension rollups by UTC day.
/// </summary>
internal static class RawNarrowWriter
{
    private const string Table = """
        CREATE TABLE dims (id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, value TEXT NOT NULL, UNIQUE (kind, value));
        CREATE TABLE usage (
            seq INTEGER PRIMARY KEY, id TEXT NOT NULL {0}, id_hash INTEGER NOT NULL {1}, ts INTEGER NOT NULL, provider INTEGER, model INTEGER NOT NULL,
            operation INTEGER NOT NULL, input INTEGER NOT NULL, cache_read INTEGER NOT NULL, cache_write INTEGER NOT NULL, cache_write_1h INTEGER NOT NULL,
            output INTEGER NOT NULL, reasoning INTEGER NOT NULL, extra TEXT, project INTEGER, job INTEGER, task INTEGER, agent INTEGER, session INTEGER,
            user_name INTEGER, tags INTEGER, service_tier INTEGER, cost_pico INTEGER, price INTEGER,
            energy_wh REAL, energy_wh_low REAL, energy_wh_high REAL, co2e_g REAL, co2e_g_low REAL, co2e_g_high REAL,
            region INTEGER, source INTEGER NOT NULL, latency_ms REAL, status INTEGER);
        CREATE TABLE rollup_day (kind INTEGER NOT NULL, value INTEGER NOT NULL, model INTEGER NOT NULL, day INTEGER NOT NULL,
            records INTEGER NOT NULL, input INTEGER NOT NULL, output INTEGER NOT NULL, cache_read INTEGER NOT NULL, cache_write INTEGER NOT NULL,
            cache_write_1h INTEGER NOT NULL, reasoning INTEGER NOT NULL, cost_pico INTEGER NOT NULL, unpriced INTEGER NOT NULL,
            estimated INTEGER NOT NULL, energy_low REAL NOT NULL, energy REAL NOT NULL, energy_high REAL NOT NULL, co2e_low REAL NOT NULL, co2e REAL NOT NULL,
            co2e_high REAL NOT NULL, PRIMARY KEY (kind, value, model, day)) WITHOUT ROWID;
        """;

    private const string Insert = """
        INSERT OR IGNORE INTO usage (id, id_hash, ts, provider, model, operation, input, cache_read, cache_write, cache_write_1h, output, reasoning, extra,
            project, job, task, agent, session, user_name, tags, service_tier, cost_pico, price, energy_wh, energy_wh_low, energy_wh_high,
            co2e_g, co2e_g_low, co2e_g_high, region, source, latency_ms, status)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33)
        """;

    private const string Upsert = """
        INSERT INTO rollup_day VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
        ON CONFLICT (kind, value, model, day) DO UPDATE SET records = records + excluded.records, input = input + excluded.input,
            output = output + excluded.output, cache_read = cache_read + excluded.cache_read, cache_write = cache_write + excluded.cache_write,
            cache_write_1h = cache_write_1h + excluded.cache_write_1h, reasoning = reasoning + excluded.reasoning, cost_pico = cost_pico + excluded.cost_pico,
            unpriced = unpriced + excluded.unpriced, estimated = estimated + excluded.estimated, energy_low = energy_low + excluded.energy_low,
            energy = energy + excluded.energy, energy_high = energy_high + excluded.energy_high, co2e_low = co2e_low + excluded.co2e_low,
            co2e = co2e + excluded.co2e, co2e_high = co2e_high + excluded.co2e_high
        """;

    /// <summary>Writes <paramref name="records"/>; returns the note for the variants table.</summary>
    public static string Write(IReadOnlyList<UsageRecord> records, string path, bool uniqueText, int batch, bool rollups)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using (var setup = connection.CreateCommand())
        {
            setup.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = -65536;" +
                Table.Replace("{0}", uniqueText ? "UNIQUE" : "", StringComparison.Ordinal).Replace("{1}", uniqueText ? "" : "UNIQUE", StringComparison.Ordinal);
            setup.ExecuteNonQuery();
        }

        var db = connection.Handle!;
        Check(db, raw.sqlite3_prepare_v2(db, Insert, out var insert));
        Check(db, raw.sqlite3_prepare_v2(db, "INSERT INTO dims (kind, value) VALUES (?1, ?2)", out var newDim));
        Check(db, raw.sqlite3_prepare_v2(db, Upsert, out var upsert));
        var dictionary = new Dictionary<(int Kind, string Value), long>();
        var groups = new Dictionary<(int Kind, long Value, long Model, long Day), long[]>();
        var reals = new Dictionary<(int Kind, long Value, long Model, long Day), double[]>();
        var idBytes = new byte[128];
        long upserts = 0;
        var ids = new long[16];
        var clock = Stopwatch.StartNew();
        long rollupTicks = 0;

        long Id(int kind, string? value)
        {
            if (value is null)
            {
                return -1;
            }

            if (!dictionary.TryGetValue((kind, value), out var id))
            {
                raw.sqlite3_bind_int(newDim, 1, kind);
                raw.sqlite3_bind_text(newDim, 2, value);
                Step(db, newDim);
                id = raw.sqlite3_last_insert_rowid(db);
                dictionary[(kind, value)] = id;
            }

            return id;
        }

        void Add(int kind, long value, long model, long day, UsageRecord r)
        {
            var key = (kind, value, model, day);
            if (!groups.TryGetValue(key, out var sums))
            {
                groups[key] = sums = new long[9];
                reals[key] = new double[6];
            }

            var t = r.Tokens;
            sums[0]++;
            sums[1] += t.Input;
            sums[2] += t.Output;
            sums[3] += t.CacheRead;
            sums[4] += t.CacheWrite;
            sums[5] += t.CacheWrite1h;
            sums[6] += t.Reasoning;
            if (r.CostUsd is { } cost)
            {
                sums[7] += Pico(cost);
            }
            else
            {
                sums[8]++;
            }

            if (r.Impact is { } impact)
            {
                var x = reals[key];
                x[0] += impact.EnergyWh.Low;
                x[1] += impact.EnergyWh.Central;
                x[2] += impact.EnergyWh.High;
                x[3] += impact.Co2eGrams.Low;
                x[4] += impact.Co2eGrams.Central;
                x[5] += impact.Co2eGrams.High;
            }
        }

        for (var start = 0; start < records.Count; start += batch)
        {
            Exec(db, "BEGIN IMMEDIATE");
            for (var i = start; i < Math.Min(records.Count, start + batch); i++)
            {
                var r = records[i];
                var t = r.Tokens;
                var a = r.Attribution;
                ids[0] = Id(1, r.Provider);
                ids[1] = Id(2, r.Model);
                ids[2] = Id(3, r.Operation);
                ids[3] = Id(4, a.Project);
                ids[4] = Id(5, a.Job);
                ids[5] = Id(6, a.Task);
                ids[6] = Id(7, a.Agent);
                ids[7] = Id(8, a.Session);
                ids[8] = Id(9, a.User);
                ids[9] = a.Tags.Count == 0 ? -1 : Id(10, UsageRecordFields.TagsText(a));
                ids[10] = Id(11, r.ServiceTier);
                ids[11] = r.Price is { } price ? Id(12, price.Entry + "|" + price.EffectiveFrom?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "|" + price.Catalog) : -1;
                ids[12] = Id(13, r.Region);
                ids[13] = Id(14, r.Source);
                ids[14] = Id(15, r.Status);
                var length = Encoding.UTF8.GetBytes(r.Id, idBytes);
                var utf8 = idBytes.AsSpan(0, length);
                raw.sqlite3_bind_text(insert, 1, utf8);
                raw.sqlite3_bind_int64(insert, 2, (long)XxHash64.HashToUInt64(utf8));
                raw.sqlite3_bind_int64(insert, 3, r.Timestamp.UtcTicks);
                Dim(insert, 4, ids[0]);
                raw.sqlite3_bind_int64(insert, 5, ids[1]);
                raw.sqlite3_bind_int64(insert, 6, ids[2]);
                raw.sqlite3_bind_int64(insert, 7, t.Input);
                raw.sqlite3_bind_int64(insert, 8, t.CacheRead);
                raw.sqlite3_bind_int64(insert, 9, t.CacheWrite);
                raw.sqlite3_bind_int64(insert, 10, t.CacheWrite1h);
                raw.sqlite3_bind_int64(insert, 11, t.Output);
                raw.sqlite3_bind_int64(insert, 12, t.Reasoning);
                if (t.Extra.Count == 0)
                {
                    raw.sqlite3_bind_null(insert, 13);
                }
                else
                {
                    raw.sqlite3_bind_text(insert, 13, UsageRecordFields.ExtraText(t)!);
                }

                for (var d = 0; d < 8; d++)
                {
                    Dim(insert, 14 + d, ids[3 + d]);
                }

                if (r.CostUsd is { } cost)
                {
                    raw.sqlite3_bind_int64(insert, 22, Pico(cost));
                }
                else
                {
                    raw.sqlite3_bind_null(insert, 22);
                }

                Dim(insert, 23, ids[11]);
                Real(insert, 24, r.Impact?.EnergyWh.Central);
                Real(insert, 25, r.Impact?.EnergyWh.Low);
                Real(insert, 26, r.Impact?.EnergyWh.High);
                Real(insert, 27, r.Impact?.Co2eGrams.Central);
                Real(insert, 28, r.Impact?.Co2eGrams.Low);
                Real(insert, 29, r.Impact?.Co2eGrams.High);
                Dim(insert, 30, ids[12]);
                raw.sqlite3_bind_int64(insert, 31, ids[13]);
                Real(insert, 32, r.LatencyMs);
                Dim(insert, 33, ids[14]);
                Step(db, insert);
                if (rollups && raw.sqlite3_changes(db) == 1)
                {
                    var day = r.Timestamp.UtcTicks / TimeSpan.TicksPerDay;
                    Add(0, 0, ids[1], day, r);
                    for (var d = 1; d <= 6; d++)
                    {
                        if (ids[2 + d] >= 0)
                        {
                            Add(d, ids[2 + d], ids[1], day, r);
                        }
                    }

                    foreach (var (key, value) in a.Tags)
                    {
                        Add(7, Id(16, key + "=" + value), ids[1], day, r);
                    }
                }
            }

            var t0 = Stopwatch.GetTimestamp();
            foreach (var (key, sums) in groups)
            {
                var x = reals[key];
                raw.sqlite3_bind_int64(upsert, 1, key.Kind);
                raw.sqlite3_bind_int64(upsert, 2, key.Value);
                raw.sqlite3_bind_int64(upsert, 3, key.Model);
                raw.sqlite3_bind_int64(upsert, 4, key.Day);
                for (var k = 0; k < 9; k++)
                {
                    raw.sqlite3_bind_int64(upsert, 5 + k, sums[k]);
                }

                raw.sqlite3_bind_int64(upsert, 14, sums[0] - sums[8]);
                for (var k = 0; k < 6; k++)
                {
                    raw.sqlite3_bind_double(upsert, 15 + k, x[k]);
                }

                Step(db, upsert);
            }

            upserts += groups.Count;
            groups.Clear();
            reals.Clear();
            rollupTicks += Stopwatch.GetTimestamp() - t0;
            Exec(db, "COMMIT");
        }

        var seconds = clock.Elapsed.TotalSeconds;
        insert.Dispose();
        newDim.Dispose();
        upsert.Dispose();
        var note = string.Create(CultureInfo.InvariantCulture, $"; {seconds:F2} s; dedupe on {(uniqueText ? "id text" : "64-bit id hash")}; {batch:N0} records per transaction");
        if (rollups)
        {
            using var count = connection.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM rollup_day";
            note += string.Create(CultureInfo.InvariantCulture, $"; {upserts:N0} rollup upserts ({rollupTicks * 1e6 / Stopwatch.Frequency / records.Count:F2} µs/rec wall), {(long)count.ExecuteScalar()!:N0} rollup rows");
        }

        return note;
    }

    private static long Pico(decimal cost) => (long)(UsageTotals.RoundCost(cost) * 1_000_000_000_000m);

    private static void Dim(sqlite3_stmt statement, int index, long id)
    {
        if (id < 0)
        {
            raw.sqlite3_bind_null(statement, index);
        }
        else
        {
            raw.sqlite3_bind_int64(statement, index, id);
        }
    }

    private static void Real(sqlite3_stmt statement, int index, double? value)
    {
        if (value is { } v)
        {
            raw.sqlite3_bind_double(statement, index, v);
        }
        else
        {
            raw.sqlite3_bind_null(statement, index);
        }
    }

    private static void Step(sqlite3 db, sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        if (rc != raw.SQLITE_DONE)
        {
            throw new InvalidOperationException(raw.sqlite3_errmsg(db).utf8_to_string());
        }

        raw.sqlite3_reset(statement);
    }

    private static void Exec(sqlite3 db, string sql) => Check(db, raw.sqlite3_exec(db, sql));

    private static void Check(sqlite3 db, int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new InvalidOperationException(raw.sqlite3_errmsg(db).utf8_to_string());
        }
    }
}
