using Microsoft.Data.Sqlite;

namespace TokenTrace.Sqlite;

/// <summary>
/// The hourly rollup's share of one append: records actually inserted (not duplicates) are summed per rollup key in
/// memory, then written with one upsert per key in the same transaction — a few statements per batch instead of one
/// per record.
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

    public void Write(SqliteConnection connection, SqliteTransaction transaction)
    {
        if (_groups.Count == 0)
        {
            return;
        }

        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = SqliteSchema.RollupUpsert;
        var p = new Dictionary<string, SqliteParameter>(StringComparer.Ordinal);
        foreach (var name in new[] { "bucket", "model", "provider", "source", "region", "records", "input", "output", "cache_read", "cache_write", "cache_write_1h",
            "reasoning", "cost_hi", "cost_lo", "unpriced", "estimated", "energy_low", "energy", "energy_high", "co2e_low", "co2e", "co2e_high" })
        {
            var type = name switch
            {
                "model" or "provider" or "source" or "region" => SqliteType.Text,
                "energy_low" or "energy" or "energy_high" or "co2e_low" or "co2e" or "co2e_high" => SqliteType.Real,
                _ => SqliteType.Integer,
            };
            p[name] = command.Parameters.Add("@" + name, type);
        }

        command.Prepare();
        foreach (var ((bucket, model, provider, source, region), s) in _groups)
        {
            p["bucket"].Value = bucket;
            p["model"].Value = model;
            p["provider"].Value = provider;
            p["source"].Value = source;
            p["region"].Value = region;
            p["records"].Value = s.Records;
            p["input"].Value = s.Input;
            p["output"].Value = s.Output;
            p["cache_read"].Value = s.CacheRead;
            p["cache_write"].Value = s.CacheWrite;
            p["cache_write_1h"].Value = s.CacheWrite1h;
            p["reasoning"].Value = s.Reasoning;
            p["cost_hi"].Value = s.CostHi;
            p["cost_lo"].Value = s.CostLo;
            p["unpriced"].Value = s.Unpriced;
            p["estimated"].Value = s.Estimated;
            p["energy_low"].Value = s.Energy.Low;
            p["energy"].Value = s.Energy.Central;
            p["energy_high"].Value = s.Energy.High;
            p["co2e_low"].Value = s.Co2e.Low;
            p["co2e"].Value = s.Co2e.Central;
            p["co2e_high"].Value = s.Co2e.High;
            command.ExecuteNonQuery();
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
