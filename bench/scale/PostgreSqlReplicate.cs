using System.Diagnostics;
using System.Globalization;
using Npgsql;
using TokenTrace.PostgreSql;

namespace TokenTrace.Scale;

/// <summary>
/// Grows a PostgreSQL ledger made by <c>pg-ingest</c> to N times its records without the client: copy k of each stored
/// record gets the id <c>ID~k</c> and, so that jobs per day grow as in a denser ledger, the job <c>JOB~(k mod 3)</c>;
/// the rows are staged by the server and moved by the ledger's own merge statement (claims, rows, rollups), in slices
/// of 100,000 (read through the index on <c>usage_ids.seq</c>). Prints the time of each copy: the staging and the merge
/// alone, without COPY or client.
/// </summary>
internal static class PostgreSqlReplicate
{
    public static async Task RunAsync(string url, int times, int first = 1, bool bulk = false)
    {
        var uri = new Uri(url);
        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host, Port = uri.Port > 0 ? uri.Port : 5432, Username = uri.UserInfo.Split(':')[0], Database = uri.AbsolutePath.TrimStart('/'),
            CommandTimeout = 0,
        }.ConnectionString;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var baseCount = Convert.ToInt64(await Scalar(connection, "SELECT MAX(seq) FROM usage_ids WHERE id NOT LIKE '%~%'"), CultureInfo.InvariantCulture);
        if (bulk)
        {
            await BulkAsync(connection, times, first);
            return;
        }

        const long Slice = 100_000;
        for (var k = first; k < times; k++)
        {
            var clock = Stopwatch.StartNew();
            long added = 0;
            for (long from = 0; from < baseCount; from += Slice)
            {
                var columns = string.Join(", ", PostgreSqlSchema.Columns.Select(c => c.Name switch
                {
                    "id" => string.Create(CultureInfo.InvariantCulture, $"u.id || '~{k}'"),
                    "job" => string.Create(CultureInfo.InvariantCulture, $"CASE WHEN u.job IS NULL THEN NULL ELSE u.job || '~{k % 3}' END"),
                    _ => "u." + c.Name,
                }));
                await using var transaction = await connection.BeginTransactionAsync();
                await Execute(connection, string.Create(CultureInfo.InvariantCulture,
                    $"""
                    SELECT pg_advisory_xact_lock_shared({PostgreSqlSchema.FeedLockKey});
                    {PostgreSqlSchema.CreateStaging};
                    INSERT INTO usage_incoming (ord, {PostgreSqlSchema.ColumnList})
                    SELECT row_number() OVER (ORDER BY u.id COLLATE "C"), {columns}
                    FROM usage_ids i JOIN usage u ON u.ts = i.ts AND u.seq = i.seq WHERE i.seq > {from} AND i.seq <= {from + Slice} AND i.id NOT LIKE '%~%';
                    SET LOCAL enable_mergejoin = off; SET LOCAL enable_nestloop = off;
                    """));
                added += Convert.ToInt64(await Scalar(connection, PostgreSqlSchema.MergeStaging), CultureInfo.InvariantCulture);
                await transaction.CommitAsync();
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"copy {k}: {added:N0} records by the server's merge in {clock.Elapsed.TotalSeconds:0.0} s ({added / clock.Elapsed.TotalSeconds:N0} records/s)"));
        }
    }

    /// <summary>
    /// The same copies without the merge, for growing a ledger to measure its summaries: each copy is two plain
    /// <c>INSERT … SELECT</c> (its ids in <c>usage_ids</c> with <c>seq + k × 10^8</c>, its rows in <c>usage</c>), and at
    /// the end the rollups are emptied and filled again from every row by the migrations' own backfill statements (so
    /// they equal the rows, which <c>pg-summaries</c> checks). It does not measure ingest; a tenth of the replicating
    /// merge's server time.
    /// </summary>
    private static async Task BulkAsync(NpgsqlConnection connection, int times, int first)
    {
        const long Offset = 100_000_000;
        var columns = PostgreSqlSchema.Columns.Select(c => c.Name).ToList();
        for (var k = first; k < times; k++)
        {
            var clock = Stopwatch.StartNew();
            var values = string.Join(", ", columns.Select(c => c switch
            {
                "id" => string.Create(CultureInfo.InvariantCulture, $"id || '~{k}'"),
                "job" => string.Create(CultureInfo.InvariantCulture, $"CASE WHEN job IS NULL THEN NULL ELSE job || '~{k % 3}' END"),
                _ => c,
            }));
            await using var transaction = await connection.BeginTransactionAsync();
            await Execute(connection, string.Create(CultureInfo.InvariantCulture,
                $"""
                INSERT INTO usage_ids (id, seq, ts) OVERRIDING SYSTEM VALUE SELECT id || '~{k}', seq + {k * Offset}, ts FROM usage_ids WHERE seq < {Offset} AND id NOT LIKE '%~%';
                INSERT INTO usage (seq, {PostgreSqlSchema.ColumnList}) SELECT seq + {k * Offset}, {values} FROM usage WHERE seq < {Offset} AND id NOT LIKE '%~%';
                """));
            await transaction.CommitAsync();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"copy {k}: rows and ids in {clock.Elapsed.TotalSeconds:0.0} s"));
        }

        var rebuild = Stopwatch.StartNew();
        var version = Convert.ToInt32(await Scalar(connection, "SELECT MAX(version) FROM schema_version"), CultureInfo.InvariantCulture);
        var tables = version >= 3 ? PostgreSqlRollups.Tables : PostgreSqlRollups.Schema2Tables;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await Execute(connection, $"SET LOCAL work_mem = '256MB'; SET LOCAL jit = off; SET LOCAL {PostgreSqlSchema.FoldSetting} = 'on'");
            await Execute(connection, $"TRUNCATE {string.Join(", ", tables.Select(t => t.Name))}; {PostgreSqlRollups.BackfillSql()} {(version >= 3 ? PostgreSqlRollups.BackfillMonthlySql() : "")}");
            if (version >= 4)
            {
                // Every row is in the sums now: the watermark is the last sequence number (schema 4).
                await Execute(connection, "UPDATE rollup_watermark SET seq = (SELECT COALESCE(MAX(seq), 0) FROM usage_ids)");
            }

            var next = Convert.ToInt64(await Scalar(connection, "SELECT MAX(seq) + 1 FROM usage_ids"), CultureInfo.InvariantCulture);
            await Execute(connection, string.Create(CultureInfo.InvariantCulture, $"ALTER TABLE usage_ids ALTER COLUMN seq RESTART WITH {next}"));
            await transaction.CommitAsync();
        }

        await Execute(connection, "ANALYZE");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rollups rebuilt from every row and ANALYZE in {rebuild.Elapsed.TotalSeconds:0.0} s"));
    }

    private static async Task<object?> Scalar(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
