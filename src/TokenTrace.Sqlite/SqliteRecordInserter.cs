using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace TokenTrace.Sqlite;

/// <summary>
/// Inserts records through the raw SQLite API (SQLitePCLRaw, under Microsoft.Data.Sqlite) on one statement prepared
/// for the transaction: each value is bound as the native type it is stored as, text as UTF-8 from a reused buffer.
/// Binding through <see cref="SqliteParameter"/> boxed every value and re-inspected the parameter collection at every
/// execute, which cost more than SQLite's own insert (docs/architecture/scale-findings.md, section 2).
/// </summary>
/// <remarks>The statement is finalized on dispose, before the pooled connection can be reused or closed.</remarks>
internal sealed class SqliteRecordInserter : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private byte[] _utf8 = new byte[256];

    public SqliteRecordInserter(SqliteConnection connection, string sql)
    {
        _db = connection.Handle!;
        Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
    }

    /// <summary>Inserts <paramref name="r"/>; false when a record with its id is already stored.</summary>
    public bool Insert(UsageRecord r)
    {
        var s = _statement;
        var t = r.Tokens;
        var a = r.Attribution;
        var energy = r.Impact?.EnergyWh;
        var co2e = r.Impact?.Co2eGrams;

        // Parameter numbers follow SqliteSchema.Columns (1-based), then cost_pico.
        Text(1, r.Id);
        raw.sqlite3_bind_int64(s, 2, r.Timestamp.UtcTicks);
        Text(3, r.Provider);
        Text(4, r.Model);
        Text(5, r.Operation);
        raw.sqlite3_bind_int64(s, 6, t.Input);
        raw.sqlite3_bind_int64(s, 7, t.CacheRead);
        raw.sqlite3_bind_int64(s, 8, t.CacheWrite);
        raw.sqlite3_bind_int64(s, 9, t.CacheWrite1h);
        raw.sqlite3_bind_int64(s, 10, t.Output);
        raw.sqlite3_bind_int64(s, 11, t.Reasoning);
        Text(12, t.Extra.Count == 0 ? null : UsageRecordFields.ExtraText(t));
        Text(13, a.Project);
        Text(14, a.Job);
        Text(15, a.Task);
        Text(16, a.Agent);
        Text(17, a.Session);
        Text(18, a.User);
        Text(19, a.Tags.Count == 0 ? null : UsageRecordFields.TagsText(a));
        Text(20, r.ServiceTier);
        if (r.CostUsd is { } cost)
        {
            // The same text as decimal.ToString(), written straight as UTF-8.
            Formatted(21, DecimalCanonical.Trim(cost), null);
            raw.sqlite3_bind_int64(s, 35, SqliteUsageLedger.Pico(cost));
        }
        else
        {
            raw.sqlite3_bind_null(s, 21);
            raw.sqlite3_bind_null(s, 35);
        }

        Text(22, r.Price?.Entry);
        if (r.Price?.EffectiveFrom is { } from)
        {
            Formatted(23, from, "yyyy-MM-dd");
        }
        else
        {
            raw.sqlite3_bind_null(s, 23);
        }

        Text(24, r.Price?.Catalog);
        Number(25, energy?.Central);
        Number(26, energy?.Low);
        Number(27, energy?.High);
        Number(28, co2e?.Central);
        Number(29, co2e?.Low);
        Number(30, co2e?.High);
        Text(31, r.Region);
        Text(32, r.Source);
        Number(33, r.LatencyMs);
        Text(34, r.Status);

        var rc = raw.sqlite3_step(s);
        raw.sqlite3_reset(s);
        if (rc != raw.SQLITE_DONE)
        {
            throw Error(rc);
        }

        return raw.sqlite3_changes(_db) == 1;
    }

    public void Dispose() => raw.sqlite3_finalize(_statement);

    private void Text(int index, string? value)
    {
        if (value is null)
        {
            raw.sqlite3_bind_null(_statement, index);
            return;
        }

        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max > _utf8.Length)
        {
            _utf8 = new byte[Math.Max(max, _utf8.Length * 2)];
        }

        var length = Encoding.UTF8.GetBytes(value, _utf8);
        raw.sqlite3_bind_text(_statement, index, _utf8.AsSpan(0, length));
    }

    private void Formatted<T>(int index, T value, string? format)
        where T : IUtf8SpanFormattable
    {
        Span<byte> utf8 = stackalloc byte[64];
        if (!value.TryFormat(utf8, out var length, format, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("a decimal or date longer than 64 bytes");
        }

        raw.sqlite3_bind_text(_statement, index, utf8[..length]);
    }

    private void Number(int index, double? value)
    {
        if (value is { } v)
        {
            raw.sqlite3_bind_double(_statement, index, v);
        }
        else
        {
            raw.sqlite3_bind_null(_statement, index);
        }
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw Error(rc);
        }
    }

    /// <summary>The error as Microsoft.Data.Sqlite reports it, so the ledger's translation (busy, corrupt, full) applies unchanged.</summary>
    private SqliteException Error(int rc) =>
        new(string.Create(CultureInfo.InvariantCulture, $"SQLite Error {rc}: '{raw.sqlite3_errmsg(_db).utf8_to_string()}'."), rc, raw.sqlite3_extended_errcode(_db));
}
