using System.Globalization;
using Microsoft.Data.Sqlite;
using TokenTrace.Sqlite;

namespace TokenTrace.Sqlite.Tests;

/// <summary>
/// Writes a ledger file as an older TokenTrace left it: the schema's own migrations up to a version, and rows in the
/// shape every version up to 5 stored them (one text column per attribution value, the cost as text and picodollars).
/// </summary>
internal static class OlderLedgerFile
{
    /// <summary>
    /// Creates <paramref name="path"/> at schema <paramref name="version"/> (2 to 5) holding <paramref name="records"/>, in
    /// order, with <c>seq</c> 1, 1 + step, 1 + 2 × step… (a step above 1 leaves the gaps that deleted rows leave).
    /// </summary>
    public static void Create(string path, int version, IReadOnlyList<UsageRecord> records, long sequenceStep = 1)
    {
        Assert.InRange(version, 2, 5);
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL; CREATE TABLE schema_version (version INTEGER NOT NULL, applied TEXT NOT NULL);");

        // Rows go in after version 2, so that migration 3 builds the rollup from them as it did for real files.
        for (var next = 1; next <= version; next++)
        {
            Execute(connection, SqliteSchema.Migrations[next - 1]);
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"INSERT INTO schema_version (version, applied) VALUES ({next}, '2026-11-01T00:00:00Z')"));
            if (next == 2)
            {
                Insert(connection, records, sequenceStep);
            }
        }
    }

    private static void Insert(SqliteConnection connection, IReadOnlyList<UsageRecord> records, long sequenceStep)
    {
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var columns = SqliteSchema.Columns.Select(c => c.Column).Append("cost_pico").Append("seq").ToList();
        var seq = 1L;
        command.CommandText = $"INSERT INTO usage ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select(c => "@" + c))})";
        foreach (var record in records)
        {
            command.Parameters.Clear();
            var text = UsageRecordFields.ToText(record);
            for (var i = 0; i < text.Length; i++)
            {
                var column = SqliteSchema.Columns[i].Column;
                object? value = text[i] is null ? null : column switch
                {
                    "ts" => record.Timestamp.UtcTicks,
                    "input" or "cache_read" or "cache_write" or "cache_write_1h" or "output" or "reasoning" => long.Parse(text[i]!, CultureInfo.InvariantCulture),
                    "energy_wh" or "energy_wh_low" or "energy_wh_high" or "co2e_g" or "co2e_g_low" or "co2e_g_high" or "latency_ms" => double.Parse(text[i]!, CultureInfo.InvariantCulture),
                    _ => text[i],
                };
                command.Parameters.AddWithValue("@" + column, value ?? DBNull.Value);
            }

            command.Parameters.AddWithValue("@cost_pico", record.CostUsd is { } cost ? SqliteUsageLedger.Pico(cost) : DBNull.Value);
            command.Parameters.AddWithValue("@seq", seq);
            seq += sequenceStep;
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
