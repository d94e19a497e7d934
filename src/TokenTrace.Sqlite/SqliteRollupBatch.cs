using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace TokenTrace.Sqlite;

/// <summary>
/// The hourly rollup's share of one append, summed per rollup key in memory: written with one upsert per key in the
/// append's transaction when the batch is the whole backlog and has few keys (records close in time), otherwise left
/// to the bulk fold (see <see cref="SqliteUsageLedger.RollupLag"/>).
/// </summary>
internal sealed class SqliteRollupBatch
{
    private readonly Dictionary<(long Bucket, string Model, string Provider, string Source, string Region), Sums> _groups = new();

    public void Add(UsageRecord record)
    {
        const string none = "\u0001"; // the rollup keeps NULL as char(1) so it can be part of the primary key
        var key = (record.Timestamp.UtcTicks / SqliteSchema.RollupTicks, record.Model, record.Provider ?? none, record.Source, record.Region ?? none);
        if (!_groups.TryGetValue(key, out var sums))
        {
            _groups[key] = sums = new Sums();
        }

        var t = record.Tokens;
        sums.Records++;
        sums.Input += t.Input;
        sums.Output += t.Output;
        sums.CacheRead += t.CacheRead;
        sums.CacheWrite += t.CacheWrite;
        sums.CacheWrite1h += t.CacheWrite1h;
        sums.Reasoning += t.Reasoning;
        if (record.CostUsd is { } cost)
        {
            var pico = (long)(UsageTotals.RoundCost(cost) * 1_000_000_000_000m);
            sums.CostHi += pico / 1_000_000;
            sums.CostLo += pico % 1_000_000;
        }
        else
        {
            sums.Unpriced++;
        }

        if (record.Impact is { } impact)
        {
            sums.Estimated++;
            sums.Energy += impact.EnergyWh;
            sums.Co2e += impact.Co2eGrams;
        }
    }

    /// <summary>How many rollup keys the batch touches (one upsert each).</summary>
    public int Keys => _groups.Count;

    /// <summary>Upserts the sums, through the raw SQLite API on one prepared statement.</summary>
    public void Write(SqliteConnection connection)
    {
        if (_groups.Count == 0)
        {
            return;
        }

        var db = connection.Handle!;
        var rc = raw.sqlite3_prepare_v2(db, SqliteSchema.RollupUpsert, out var upsert);
        if (rc != raw.SQLITE_OK)
        {
            throw SqliteRecordInserter.Error(db, rc);
        }

        using (upsert)
        {
            foreach (var ((bucket, model, provider, source, region), s) in _groups)
            {
                raw.sqlite3_bind_int64(upsert, 1, bucket);
                raw.sqlite3_bind_text(upsert, 2, model);
                raw.sqlite3_bind_text(upsert, 3, provider);
                raw.sqlite3_bind_text(upsert, 4, source);
                raw.sqlite3_bind_text(upsert, 5, region);
                raw.sqlite3_bind_int64(upsert, 6, s.Records);
                raw.sqlite3_bind_int64(upsert, 7, s.Input);
                raw.sqlite3_bind_int64(upsert, 8, s.Output);
                raw.sqlite3_bind_int64(upsert, 9, s.CacheRead);
                raw.sqlite3_bind_int64(upsert, 10, s.CacheWrite);
                raw.sqlite3_bind_int64(upsert, 11, s.CacheWrite1h);
                raw.sqlite3_bind_int64(upsert, 12, s.Reasoning);
                raw.sqlite3_bind_int64(upsert, 13, s.CostHi);
                raw.sqlite3_bind_int64(upsert, 14, s.CostLo);
                raw.sqlite3_bind_int64(upsert, 15, s.Unpriced);
                raw.sqlite3_bind_int64(upsert, 16, s.Estimated);
                raw.sqlite3_bind_double(upsert, 17, s.Energy.Low);
                raw.sqlite3_bind_double(upsert, 18, s.Energy.Central);
                raw.sqlite3_bind_double(upsert, 19, s.Energy.High);
                raw.sqlite3_bind_double(upsert, 20, s.Co2e.Low);
                raw.sqlite3_bind_double(upsert, 21, s.Co2e.Central);
                raw.sqlite3_bind_double(upsert, 22, s.Co2e.High);
                rc = raw.sqlite3_step(upsert);
                raw.sqlite3_reset(upsert);
                if (rc != raw.SQLITE_DONE)
                {
                    throw SqliteRecordInserter.Error(db, rc);
                }
            }
        }
    }

    private sealed class Sums
    {
        public long Records { get; set; }

        public long Input { get; set; }

        public long Output { get; set; }

        public long CacheRead { get; set; }

        public long CacheWrite { get; set; }

        public long CacheWrite1h { get; set; }

        public long Reasoning { get; set; }

        public long CostHi { get; set; }

        public long CostLo { get; set; }

        public long Unpriced { get; set; }

        public long Estimated { get; set; }

        public EstimateRange Energy { get; set; }

        public EstimateRange Co2e { get; set; }
    }
}
