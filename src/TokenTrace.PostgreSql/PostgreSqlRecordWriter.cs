using Npgsql;
using NpgsqlTypes;

namespace TokenTrace.PostgreSql;

/// <summary>Writes records into the staging table with one binary <c>COPY</c>, in <see cref="PostgreSqlSchema.Columns"/> order.</summary>
internal static class PostgreSqlRecordWriter
{
    private static readonly string Copy = $"COPY usage_incoming (ord, {PostgreSqlSchema.ColumnList}) FROM STDIN (FORMAT BINARY)";

    /// <summary>
    /// Refuses a record PostgreSQL cannot store as given: its <c>text</c> holds no NUL character, and a
    /// record whose text would be cut or refused mid-batch must fail before anything is written, naming the field.
    /// </summary>
    /// <exception cref="ArgumentException">A text field holds a NUL character.</exception>
    public static void ThrowIfUnstorable(UsageRecord record)
    {
        var a = record.Attribution;
        foreach (var (field, value) in new (string, string?)[]
        {
            ("id", record.Id), ("provider", record.Provider), ("model", record.Model), ("operation", record.Operation), ("project", a.Project),
            ("job", a.Job), ("task", a.Task), ("agent", a.Agent), ("session", a.Session), ("user", a.User), ("serviceTier", record.ServiceTier),
            ("price.entry", record.Price?.Entry), ("price.catalog", record.Price?.Catalog), ("region", record.Region), ("source", record.Source), ("status", record.Status),
        })
        {
            Check(field, value);
        }

        foreach (var (key, value) in a.Tags)
        {
            Check("tags", key);
            Check("tags", value);
        }

        foreach (var key in record.Tokens.Extra.Keys)
        {
            Check("extra", key);
        }

        void Check(string field, string? value)
        {
            if (value is not null && value.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Invalid usage record '{record.Id.Replace("\0", "\\0", StringComparison.Ordinal)}': {field}: holds a NUL character, which PostgreSQL text cannot store", nameof(record));
            }
        }
    }

    /// <summary>
    /// The records of a batch to copy: the first of each id's repeats (a later repeat is a duplicate, as a record already
    /// stored), sorted by id in ordinal order, the order in which the merge claims them (see <see cref="PostgreSqlSchema.MergeStaging"/>).
    /// </summary>
    public static UsageRecord[] FirstOfEachIdSortedById(IReadOnlyList<UsageRecord> records)
    {
        var seen = new HashSet<string>(records.Count, StringComparer.Ordinal);
        var firsts = new List<UsageRecord>(records.Count);
        foreach (var record in records)
        {
            if (seen.Add(record.Id))
            {
                firsts.Add(record);
            }
        }

        var sorted = firsts.ToArray();
        Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Id, b.Id));
        return sorted;
    }

    /// <summary>Copies <paramref name="records"/> into <c>usage_incoming</c>, numbered by their position in the list.</summary>
    public static async Task CopyAsync(NpgsqlConnection connection, IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken)
    {
        var writer = await connection.BeginBinaryImportAsync(Copy, cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            for (var i = 0; i < records.Count; i++)
            {
                var r = records[i];
                var a = r.Attribution;
                var t = r.Tokens;

                // The synchronous writes only fill Npgsql's buffer; it is sent when full, which blocks briefly, a cost far
                // below an await per field for the 37 fields of every record.
                writer.StartRow();
                writer.Write(i, NpgsqlDbType.Integer);
                writer.Write(r.Id, NpgsqlDbType.Text);
                writer.Write(r.Timestamp.UtcTicks, NpgsqlDbType.Bigint);
                Text(writer, r.Provider);
                writer.Write(r.Model, NpgsqlDbType.Text);
                writer.Write(r.Operation, NpgsqlDbType.Text);
                writer.Write(t.Input, NpgsqlDbType.Bigint);
                writer.Write(t.CacheRead, NpgsqlDbType.Bigint);
                writer.Write(t.CacheWrite, NpgsqlDbType.Bigint);
                writer.Write(t.CacheWrite1h, NpgsqlDbType.Bigint);
                writer.Write(t.Output, NpgsqlDbType.Bigint);
                writer.Write(t.Reasoning, NpgsqlDbType.Bigint);
                Json(writer, t.Extra.Count == 0 ? null : PostgreSqlJson.Write(t.Extra));
                Text(writer, a.Project);
                Text(writer, a.Job);
                Text(writer, a.Task);
                Text(writer, a.Agent);
                Text(writer, a.Session);
                Text(writer, a.User);
                Json(writer, a.Tags.Count == 0 ? null : PostgreSqlJson.Write(a.Tags));
                Text(writer, r.ServiceTier);
                if (r.CostUsd is { } cost)
                {
                    writer.Write(cost, NpgsqlDbType.Numeric);
                    writer.Write(UsageTotals.RoundCost(cost), NpgsqlDbType.Numeric);
                }
                else
                {
                    writer.WriteNull();
                    writer.WriteNull();
                }

                Text(writer, r.Price?.Entry);
                if (r.Price?.EffectiveFrom is { } from)
                {
                    writer.Write(from, NpgsqlDbType.Date);
                }
                else
                {
                    writer.WriteNull();
                }

                Text(writer, r.Price?.Catalog);
                Range(writer, r.Impact?.EnergyWh);
                Range(writer, r.Impact?.Co2eGrams);
                Text(writer, r.Region);
                writer.Write(r.Source, NpgsqlDbType.Text);
                if (r.LatencyMs is { } latency)
                {
                    writer.Write(latency, NpgsqlDbType.Double);
                }
                else
                {
                    writer.WriteNull();
                }

                Text(writer, r.Status);
            }

            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static void Text(NpgsqlBinaryImporter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteNull();
        }
        else
        {
            writer.Write(value, NpgsqlDbType.Text);
        }
    }

    private static void Json(NpgsqlBinaryImporter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteNull();
        }
        else
        {
            // Text: the server stores it without parsing (schema 2); PostgreSqlJson wrote it, so it is a valid JSON object.
            writer.Write(value, NpgsqlDbType.Text);
        }
    }

    /// <summary>Central, low, high: the order of the energy and CO2e columns.</summary>
    private static void Range(NpgsqlBinaryImporter writer, EstimateRange? range)
    {
        if (range is { } r)
        {
            writer.Write(r.Central, NpgsqlDbType.Double);
            writer.Write(r.Low, NpgsqlDbType.Double);
            writer.Write(r.High, NpgsqlDbType.Double);
        }
        else
        {
            writer.WriteNull();
            writer.WriteNull();
            writer.WriteNull();
        }
    }
}
