using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace TokenTrace.Sqlite;

/// <summary>
/// Inserts records through the raw SQLite API (SQLitePCLRaw, under Microsoft.Data.Sqlite) on one statement prepared
/// for the transaction: each value is bound as the native type it is stored as, text as UTF-8 from a reused buffer,
/// and the values that repeat across records (model, attribution, price, source…) as their ids in <c>dims</c>.
/// Binding through <see cref="SqliteParameter"/> boxed every value and re-inspected the parameter collection at every
/// execute, which cost more than SQLite's own insert (docs/architecture/scale-findings.md, section 2).
/// </summary>
/// <remarks>
/// A value is looked up first as the same string as in the previous record (the JSON reader interns them), then in
/// this transaction's new values and the ledger's <see cref="SqliteValueDictionary"/>, and only then in <c>dims</c>,
/// where a value no process has stored yet is inserted. The caller holds the write lock (<c>BEGIN IMMEDIATE</c>), so
/// no other process can insert the same value in between; <see cref="Resolved"/> is published once the transaction
/// commits. The statements are finalized on dispose, before the pooled connection can be reused or closed.
/// A parameter whose value is the previous record's is not bound again (SQLite keeps bindings across resets): each
/// bind is a native call, and nulls, zeros and repeated ids are common.
/// </remarks>
internal sealed class SqliteRecordInserter : IDisposable
{
    private const int CostPicoParameter = 35;
    private const int MaxTagTexts = 1_024;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly sqlite3_stmt _findValue;
    private readonly sqlite3_stmt _addValue;

    // The native handles of the above, for SqliteBindings: valid until Dispose finalizes the statements, and the
    // connection outlives the inserter.
    private readonly nint _dbHandle;
    private readonly nint _insert;
    private readonly nint _find;
    private readonly nint _add;
    private readonly SqliteValueDictionary _dictionary;
    private readonly int _maxResolved;
    private readonly Dictionary<string, long> _resolved = new(StringComparer.Ordinal);
    private readonly string?[] _lastValue = new string?[CostPicoParameter + 1];
    private readonly long[] _lastId = new long[CostPicoParameter + 1];
    private readonly Dictionary<IReadOnlyDictionary<string, string>, string> _tagTexts = new(SameTags.Instance);
    private readonly Binding[] _bound = new Binding[CostPicoParameter + 1];
    private DateOnly? _lastFrom;

    // Pinned, so its address can be handed to SQLite, which copies the text before the bind returns.
    private byte[] _utf8 = GC.AllocateUninitializedArray<byte>(256, pinned: true);

    /// <param name="connection">The connection, inside its write transaction.</param>
    /// <param name="sql">The insert statement.</param>
    /// <param name="dictionary">The ledger's committed values.</param>
    /// <param name="maxResolved">
    /// How many of this transaction's looked-up values are remembered: an import in one transaction meets every session
    /// and task of the file, and memory must not grow with them. Past it the map starts over; a value it forgot is
    /// found again in <c>dims</c> (an indexed lookup that sees this transaction's own inserts), and only the values
    /// remembered at the commit are published, which is all publishing needs to be correct.
    /// </param>
    public SqliteRecordInserter(SqliteConnection connection, string sql, SqliteValueDictionary dictionary, int maxResolved = 65_536)
    {
        _db = connection.Handle!;
        _dictionary = dictionary;
        _maxResolved = maxResolved;
        if (dictionary.Last is { } last)
        {
            // A file restored from a backup may have other values under the ids this process knows.
            Check(raw.sqlite3_prepare_v2(_db, "SELECT value FROM dims WHERE id = ?1", out var probe));
            using (probe)
            {
                raw.sqlite3_bind_int64(probe, 1, last.Id);
                var rc = raw.sqlite3_step(probe);
                if (rc is not (raw.SQLITE_ROW or raw.SQLITE_DONE))
                {
                    throw Error(rc);
                }

                if (rc == raw.SQLITE_DONE || raw.sqlite3_column_text(probe, 0).utf8_to_string() != last.Value)
                {
                    dictionary.Forget();
                }
            }
        }

        Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
        Check(raw.sqlite3_prepare_v2(_db, "SELECT id FROM dims WHERE value = ?1", out _findValue));
        Check(raw.sqlite3_prepare_v2(_db, "INSERT INTO dims (value) VALUES (?1)", out _addValue));
        _dbHandle = _db.DangerousGetHandle();
        _insert = _statement.DangerousGetHandle();
        _find = _findValue.DangerousGetHandle();
        _add = _addValue.DangerousGetHandle();
    }

    /// <summary>The ids of values this transaction looked up in or added to <c>dims</c>: valid once it commits.</summary>
    public IReadOnlyDictionary<string, long> Resolved => _resolved;

    /// <summary>Inserts <paramref name="r"/>; false when a record with its id is already stored.</summary>
    public bool Insert(UsageRecord r)
    {
        var t = r.Tokens;
        var a = r.Attribution;
        var energy = r.Impact?.EnergyWh;
        var co2e = r.Impact?.Co2eGrams;

        // Parameter numbers follow SqliteSchema.Columns (1-based), then cost_pico.
        Text(1, r.Id);
        Integer(2, r.Timestamp.UtcTicks);
        Value(3, r.Provider);
        Value(4, r.Model);
        Value(5, r.Operation);
        Integer(6, t.Input);
        Integer(7, t.CacheRead);
        Integer(8, t.CacheWrite);
        Integer(9, t.CacheWrite1h);
        Integer(10, t.Output);
        Integer(11, t.Reasoning);
        Text(12, t.Extra.Count == 0 ? null : UsageRecordFields.ExtraText(t));
        Value(13, a.Project);
        Value(14, a.Job);
        Value(15, a.Task);
        Value(16, a.Agent);
        Value(17, a.Session);
        Value(18, a.User);
        Value(19, a.Tags.Count == 0 ? null : TagsText(a));
        Value(20, r.ServiceTier);
        if (r.CostUsd is { } cost)
        {
            // cost_pico / 10^12 is the cost unless it has more than 12 decimals: only then is the exact text kept, as
            // decimal.ToString() writes it (straight as UTF-8).
            var rounded = UsageTotals.RoundCost(cost);
            if (rounded == cost)
            {
                Null(21);
            }
            else
            {
                Formatted(21, DecimalCanonical.Trim(cost), null);
            }

            Integer(CostPicoParameter, (long)(rounded * 1_000_000_000_000m));
        }
        else
        {
            Null(21);
            Null(CostPicoParameter);
        }

        Value(22, r.Price?.Entry);
        if (r.Price?.EffectiveFrom is { } from)
        {
            if (from != _lastFrom)
            {
                _lastId[23] = Resolve(from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                _lastFrom = from;
            }

            Integer(23, _lastId[23]);
        }
        else
        {
            Null(23);
        }

        Value(24, r.Price?.Catalog);
        Number(25, energy?.Central);
        Number(26, energy?.Low);
        Number(27, energy?.High);
        Number(28, co2e?.Central);
        Number(29, co2e?.Low);
        Number(30, co2e?.High);
        Value(31, r.Region);
        Value(32, r.Source);
        Number(33, r.LatencyMs);
        Value(34, r.Status);

        var rc = SqliteBindings.Step(_insert);
        _ = SqliteBindings.Reset(_insert); // repeats the step's error, if any
        if (rc != raw.SQLITE_DONE)
        {
            throw Error(rc);
        }

        return SqliteBindings.Changes(_dbHandle) == 1;
    }

    public void Dispose()
    {
        raw.sqlite3_finalize(_statement);
        raw.sqlite3_finalize(_findValue);
        raw.sqlite3_finalize(_addValue);
    }

    /// <summary>
    /// The tags as <see cref="UsageRecordFields.TagsText"/> writes them: each distinct set once per transaction, then
    /// handed out as the same string, which <see cref="Value"/> resolves without hashing its text. Writing the JSON
    /// for every record cost more than inserting the row.
    /// </summary>
    private string TagsText(Attribution a)
    {
        if (a.Tags.Count > SameTags.MaxCount)
        {
            return UsageRecordFields.TagsText(a)!;
        }

        if (!_tagTexts.TryGetValue(a.Tags, out var text))
        {
            text = UsageRecordFields.TagsText(a)!;
            if (_tagTexts.Count < MaxTagTexts)
            {
                _tagTexts[a.Tags] = text;
            }
        }

        return text;
    }

    /// <summary>Binds the id in <c>dims</c> of <paramref name="value"/>, adding it there if no record has it yet.</summary>
    private void Value(int index, string? value)
    {
        if (value is null)
        {
            Null(index);
            return;
        }

        if (!ReferenceEquals(value, _lastValue[index]))
        {
            _lastId[index] = Resolve(value);
            _lastValue[index] = value;
        }

        Integer(index, _lastId[index]);
    }

    private long Resolve(string value)
    {
        // This transaction's own values first: an import in one transaction resolves every value there, and an
        // empty dictionary answers a miss without hashing, so a small append pays nothing for the order.
        if (_resolved.TryGetValue(value, out var id) || _dictionary.TryGet(value, out id))
        {
            return id;
        }

        Text(_find, 1, value);
        var rc = SqliteBindings.Step(_find);
        if (rc == raw.SQLITE_ROW)
        {
            id = SqliteColumns.Int64(_find, 0);
        }

        _ = SqliteBindings.Reset(_find);
        if (rc == raw.SQLITE_DONE)
        {
            Text(_add, 1, value);
            rc = SqliteBindings.Step(_add);
            _ = SqliteBindings.Reset(_add);
            if (rc != raw.SQLITE_DONE)
            {
                throw Error(rc);
            }

            id = raw.sqlite3_last_insert_rowid(_db);
        }
        else if (rc != raw.SQLITE_ROW)
        {
            throw Error(rc);
        }

        if (_resolved.Count >= _maxResolved)
        {
            _resolved.Clear();
        }

        _resolved[value] = id;
        return id;
    }

    private void Text(nint statement, int index, string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max > _utf8.Length)
        {
            _utf8 = GC.AllocateUninitializedArray<byte>(Math.Max(max, _utf8.Length * 2), pinned: true);
        }

        var length = Encoding.UTF8.GetBytes(value, _utf8);
        Check(SqliteBindings.Text(statement, index, Marshal.UnsafeAddrOfPinnedArrayElement(_utf8, 0), length));
    }

    private void Formatted<T>(int index, T value, string? format)
        where T : IUtf8SpanFormattable
    {
        // The buffer is never shorter than 256 bytes; a decimal needs at most about 30.
        if (!value.TryFormat(_utf8, out var length, format, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("a decimal longer than the text buffer");
        }

        Check(SqliteBindings.Text(_insert, index, Marshal.UnsafeAddrOfPinnedArrayElement(_utf8, 0), length));
        _bound[index] = default;
    }

    /// <summary>Binds text to a parameter of the insert.</summary>
    private void Text(int index, string? value)
    {
        if (value is null)
        {
            Null(index);
            return;
        }

        Text(_insert, index, value);
        _bound[index] = default;
    }

    private void Number(int index, double? value)
    {
        if (value is not { } v)
        {
            Null(index);
        }
        else if (_bound[index] != new Binding(BindingKind.Real, BitConverter.DoubleToInt64Bits(v)))
        {
            Check(SqliteBindings.Double(_insert, index, v));
            _bound[index] = new Binding(BindingKind.Real, BitConverter.DoubleToInt64Bits(v));
        }
    }

    private void Integer(int index, long value)
    {
        if (_bound[index] != new Binding(BindingKind.Integer, value))
        {
            Check(SqliteBindings.Int64(_insert, index, value));
            _bound[index] = new Binding(BindingKind.Integer, value);
        }
    }

    private void Null(int index)
    {
        if (_bound[index].Kind != BindingKind.Null)
        {
            Check(SqliteBindings.Null(_insert, index));
            _bound[index] = new Binding(BindingKind.Null, 0);
        }
    }

    /// <summary>Throws unless <paramref name="rc"/> is SQLITE_OK: a bind fails only on a wrong parameter number or out of memory, and must never leave a parameter silently unset.</summary>
    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw Error(rc);
        }
    }

    /// <summary>The error as Microsoft.Data.Sqlite reports it, so the ledger's translation (busy, corrupt, full) applies unchanged.</summary>
    private SqliteException Error(int rc) => Error(_db, rc);

    /// <summary>The error as Microsoft.Data.Sqlite reports it, so the ledger's translation (busy, corrupt, full) applies unchanged.</summary>
    internal static SqliteException Error(sqlite3 db, int rc) =>
        new(string.Create(CultureInfo.InvariantCulture, $"SQLite Error {rc}: '{raw.sqlite3_errmsg(db).utf8_to_string()}'."), rc, raw.sqlite3_extended_errcode(db));

    /// <summary>What a parameter of the insert holds (none, until first bound).</summary>
    private enum BindingKind : byte
    {
        None,
        Null,
        Integer,
        Real,
    }

    /// <summary>A parameter's value as last bound: SQLite keeps bindings across resets, so an equal value is not bound again.</summary>
    private readonly record struct Binding(BindingKind Kind, long Bits);
}
