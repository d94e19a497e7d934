using System.Globalization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace TokenTrace.Sqlite;

/// <summary>
/// Reads records from <c>usage</c> through the raw SQLite API (SQLitePCLRaw, under Microsoft.Data.Sqlite): the row's
/// <c>dims</c> ids are turned into their texts from a map filled once per distinct id (one indexed lookup each, one
/// string instance shared by every record that has the value), and a tags object is parsed once per distinct value.
/// </summary>
/// <remarks>
/// <para>
/// Reading the same rows through <see cref="SqliteDataReader"/> with a <c>dims</c> subquery per column cost ≈ 25 µs a
/// record (a string allocated per column per row, a parse of the same tags JSON per row, the data reader's checks
/// around every column): a catch-up of an analytics copy or an <c>export</c> reads millions of rows
/// (docs/architecture/performance.md, "Reading rows").
/// </para>
/// <para>
/// A row whose columns do not hold what TokenTrace writes (edited by hand, written by something else, an id missing
/// from <c>dims</c>) is read again by its <c>seq</c> through <see cref="SqliteRecordReader"/>, the checked text path that
/// names the field that is wrong: both paths give the same record or the same error.
/// </para>
/// <para>
/// Texts from <c>dims</c> and parsed tags are shared between the records of one reader: records are immutable and
/// tags are only exposed as <see cref="IReadOnlyDictionary{TKey, TValue}"/>, of the same type as every other reader's.
/// </para>
/// </remarks>
internal sealed class SqliteRowReader : IDisposable
{
    private const int Id = 0, Timestamp = 1, Provider = 2, Model = 3, Operation = 4, Input = 5, CacheWrite1h = 8, Reasoning = 10, Extra = 11,
        Project = 12, Job = 13, Task = 14, Agent = 15, Session = 16, User = 17, Tags = 18, ServiceTier = 19, CostUsd = 20, PriceEntry = 21,
        PriceEffectiveFrom = 22, PriceCatalog = 23, EnergyWh = 24, Region = 30, Source = 31, LatencyMs = 32, Status = 33,
        CostPico = 34, Sequence = 35;

    /// <summary>Bounds the id → text map: a reader of a long history meets every session and task once.</summary>
    private const int MaxCachedValues = 1_000_000;

    private static readonly int[] DictionaryColumns = [Provider, Model, Operation, Project, Job, Task, Agent, Session, User, Tags, ServiceTier, PriceEntry,
        PriceEffectiveFrom, PriceCatalog, Region, Source, Status];

    private readonly SqliteConnection _connection;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly sqlite3_stmt _findValue;
    private readonly string _fallbackSql;
    private readonly Dictionary<long, string?> _values = [];
    private readonly Dictionary<long, IReadOnlyDictionary<string, string>> _tags = [];
    private readonly Dictionary<long, DateOnly> _dates = [];
    private readonly string?[] _texts = new string?[Sequence + 1];
    private readonly int[] _types = new int[Sequence + 1];
    private readonly long[] _counts = new long[Sequence + 1];
    private readonly double[] _estimates = new double[6];
    private readonly string?[] _fallbackValues = new string?[UsageRecordFields.Names.Count];

    /// <summary>
    /// Prepares <c>SELECT</c> of every column, <c>cost_pico</c> and <c>seq</c> from <c>usage</c> followed by
    /// <paramref name="whereAndOrder"/>, binding the parameters of <paramref name="parameters"/> by name.
    /// </summary>
    /// <param name="connection">An open connection; the reader runs in its current transaction, if any.</param>
    /// <param name="whereAndOrder">SQL after <c>FROM usage</c>: a filter and an order.</param>
    /// <param name="parameters">The values the SQL names (<c>@name</c>): <see cref="long"/>, <see cref="int"/>, <see cref="string"/>, <see cref="double"/> or null.</param>
    /// <param name="fallbackSelect">The checked reader's column list (texts of <c>dims</c> looked up, then <c>cost_pico</c>).</param>
    public SqliteRowReader(SqliteConnection connection, string whereAndOrder, IEnumerable<SqliteParameter> parameters, string fallbackSelect)
    {
        _connection = connection;
        _db = connection.Handle!;
        _fallbackSql = $"SELECT {fallbackSelect}, seq FROM usage WHERE seq = @seq";
        var columns = string.Join(", ", SqliteSchema.Columns.Select(c => c.Column)) + ", cost_pico, seq";
        Check(raw.sqlite3_prepare_v2(_db, $"SELECT {columns} FROM usage {whereAndOrder}", out _statement));
        try
        {
            Check(raw.sqlite3_prepare_v2(_db, "SELECT value FROM dims WHERE id = ?1", out _findValue));
            foreach (var parameter in parameters)
            {
                var index = raw.sqlite3_bind_parameter_index(_statement, parameter.ParameterName);
                if (index == 0)
                {
                    continue;
                }

                Check(parameter.Value switch
                {
                    null or DBNull => raw.sqlite3_bind_null(_statement, index),
                    long n => raw.sqlite3_bind_int64(_statement, index, n),
                    int n => raw.sqlite3_bind_int64(_statement, index, n),
                    double d => raw.sqlite3_bind_double(_statement, index, d),
                    string s => raw.sqlite3_bind_text(_statement, index, s),
                    var other => throw new ArgumentException($"cannot bind a {other.GetType().Name} to {parameter.ParameterName}", nameof(parameters)),
                });
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The <c>seq</c> of the row <see cref="Read"/> returned last.</summary>
    public long CurrentSequence { get; private set; }

    /// <summary>The next record, or null after the last row.</summary>
    /// <exception cref="SqliteException">SQLite failed (the caller translates it like every other SQLite error).</exception>
    public UsageRecord? Read()
    {
        var rc = raw.sqlite3_step(_statement);
        if (rc == raw.SQLITE_DONE)
        {
            return null;
        }

        if (rc != raw.SQLITE_ROW)
        {
            throw SqliteRecordInserter.Error(_db, rc);
        }

        CurrentSequence = SqliteColumns.Int64(SqliteColumns.Handle(_statement), Sequence);
        return TryReadRegular() ?? ReadChecked();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _statement?.Dispose();
        _findValue?.Dispose();
    }

    /// <summary>The record from the row's native values; null when any column is not what TokenTrace writes there.</summary>
    private UsageRecord? TryReadRegular()
    {
        var s = SqliteColumns.Handle(_statement);

        // Each call into SQLite costs a handle reference and the connection's mutex: every column's type is read once.
        var types = _types;
        for (var i = 0; i < types.Length; i++)
        {
            types[i] = SqliteColumns.Type(s, i);
        }

        if (types[Id] != raw.SQLITE_TEXT)
        {
            return null;
        }

        var counts = _counts;
        for (var i = Timestamp; i <= Reasoning; i++)
        {
            if (i is Provider or Model or Operation)
            {
                continue;
            }

            if (types[i] != raw.SQLITE_INTEGER || (counts[i] = SqliteColumns.Int64(s, i)) < 0)
            {
                return null;
            }
        }

        foreach (var i in DictionaryColumns)
        {
            switch (types[i])
            {
                case raw.SQLITE_NULL:
                    _texts[i] = null;
                    break;
                case raw.SQLITE_INTEGER:
                    counts[i] = SqliteColumns.Int64(s, i);
                    if (Value(counts[i]) is not { } text)
                    {
                        return null;
                    }

                    _texts[i] = text;
                    break;
                default:
                    return null;
            }
        }

        if (_texts[Model] is not { Length: > 0 } || _texts[Operation] is null || _texts[Source] is null
            || !IsNullOr(types[Extra], raw.SQLITE_TEXT) || !IsNullOr(types[CostUsd], raw.SQLITE_TEXT) || !IsNullOr(types[CostPico], raw.SQLITE_INTEGER))
        {
            return null;
        }

        var estimated = types[EnergyWh] != raw.SQLITE_NULL;
        var estimates = _estimates;
        for (var i = 0; i < 6; i++)
        {
            var type = types[EnergyWh + i];
            if (estimated ? type != raw.SQLITE_FLOAT || !double.IsFinite(estimates[i] = SqliteColumns.Double(s, EnergyWh + i)) : type != raw.SQLITE_NULL)
            {
                return null;
            }
        }

        double? latency = null;
        if (types[LatencyMs] != raw.SQLITE_NULL)
        {
            if (types[LatencyMs] != raw.SQLITE_FLOAT || !double.IsFinite(SqliteColumns.Double(s, LatencyMs)))
            {
                return null;
            }

            latency = SqliteColumns.Double(s, LatencyMs);
        }

        var id = SqliteColumns.String(s, Id);
        if (id.Length == 0)
        {
            return null;
        }

        // Schema 6 keeps the cost's text only when cost_pico / 10¹² is not the cost (more than 12 decimals).
        decimal? cost = null;
        if (types[CostUsd] == raw.SQLITE_TEXT)
        {
            if (!decimal.TryParse(SqliteColumns.String(s, CostUsd), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
            {
                return null;
            }

            cost = parsed;
        }
        else if (types[CostPico] == raw.SQLITE_INTEGER)
        {
            cost = SqliteRecordReader.FromPico(SqliteColumns.Int64(s, CostPico));
        }

        PriceReference? price = null;
        if (_texts[PriceEntry] is { } entry)
        {
            DateOnly? from = null;
            if (_texts[PriceEffectiveFrom] is not null)
            {
                if (Date(counts[PriceEffectiveFrom]) is not { } date)
                {
                    return null;
                }

                from = date;
            }

            price = new PriceReference(entry, from, _texts[PriceCatalog] ?? "");
        }

        var tags = UsageRecordFields.TagsFromText(null);
        var extra = UsageRecordFields.ExtraFromText(null);
        try
        {
            if (_texts[Tags] is not null)
            {
                var tagsId = counts[Tags];
                if (!_tags.TryGetValue(tagsId, out tags!))
                {
                    tags = UsageRecordFields.TagsFromText(_texts[Tags]);
                    Remember(_tags, tagsId, tags);
                }
            }

            if (types[Extra] == raw.SQLITE_TEXT)
            {
                extra = UsageRecordFields.ExtraFromText(SqliteColumns.String(s, Extra));
            }
        }
        catch (FormatException)
        {
            return null;
        }

        return new UsageRecord
        {
            Id = id,
            Timestamp = new DateTimeOffset(counts[Timestamp], TimeSpan.Zero),
            Provider = _texts[Provider],
            Model = _texts[Model]!,
            Operation = _texts[Operation]!,
            Tokens = new TokenCounts
            {
                Input = counts[Input],
                CacheRead = counts[Input + 1],
                CacheWrite = counts[Input + 2],
                CacheWrite1h = counts[CacheWrite1h],
                Output = counts[CacheWrite1h + 1],
                Reasoning = counts[Reasoning],
                Extra = extra,
            },
            Attribution = new Attribution
            {
                Project = _texts[Project],
                Job = _texts[Job],
                Task = _texts[Task],
                Agent = _texts[Agent],
                Session = _texts[Session],
                User = _texts[User],
                Tags = tags,
            },
            ServiceTier = _texts[ServiceTier],
            CostUsd = cost,
            Price = price,
            // Columns: central, low, high.
            Impact = estimated ? new ImpactEstimate(new(estimates[1], estimates[0], estimates[2]), new(estimates[4], estimates[3], estimates[5])) : null,
            Region = _texts[Region],
            Source = _texts[Source]!,
            LatencyMs = latency,
            Status = _texts[Status],
        };
    }

    /// <summary>The current row through the checked text path, which gives the same record or names the field that is wrong.</summary>
    private UsageRecord ReadChecked()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = _fallbackSql;
        command.Parameters.AddWithValue("@seq", CurrentSequence);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            throw new InvalidOperationException("a row vanished inside its own read transaction");
        }

        try
        {
            return SqliteRecordReader.Read(reader, _fallbackValues);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            var field = ex is RecordFieldException { Field.Length: > 0 } named ? named.Field : null;
            throw new LedgerFormatException(new LedgerProblem(_connection.DataSource, 0, field, string.Create(CultureInfo.InvariantCulture,
                $"{ex.Message} (the row with seq {CurrentSequence}: see it with sqlite3 \"SELECT * FROM usage WHERE seq = {CurrentSequence}\", fix or delete it, or restore the ledger from a backup)")), ex);
        }
    }

    private static bool IsNullOr(int actual, int type) => actual == raw.SQLITE_NULL || actual == type;

    /// <summary>The text stored in <c>dims</c> under <paramref name="id"/>; null when there is none (or it is not text).</summary>
    private string? Value(long id)
    {
        if (_values.TryGetValue(id, out var text))
        {
            return text;
        }

        raw.sqlite3_bind_int64(_findValue, 1, id);
        var rc = raw.sqlite3_step(_findValue);
        try
        {
            if (rc == raw.SQLITE_ROW)
            {
                text = raw.sqlite3_column_type(_findValue, 0) == raw.SQLITE_TEXT ? raw.sqlite3_column_text(_findValue, 0).utf8_to_string() : null;
            }
            else if (rc != raw.SQLITE_DONE)
            {
                throw SqliteRecordInserter.Error(_db, rc);
            }
        }
        finally
        {
            raw.sqlite3_reset(_findValue);
        }

        Remember(_values, id, text);
        return text;
    }

    private DateOnly? Date(long id)
    {
        if (_dates.TryGetValue(id, out var date))
        {
            return date;
        }

        if (!DateOnly.TryParseExact(_texts[PriceEffectiveFrom], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
        {
            return null;
        }

        Remember(_dates, id, date);
        return date;
    }

    private static void Remember<T>(Dictionary<long, T> map, long id, T value)
    {
        if (map.Count >= MaxCachedValues)
        {
            map.Clear();
        }

        map[id] = value;
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw SqliteRecordInserter.Error(_db, rc);
        }
    }
}
