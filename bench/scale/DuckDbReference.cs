using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;

namespace TokenTrace.Scale;

/// <summary>
/// The reference: DuckDB (embedded, columnar) loads the same JSON lines into a file database, pricing each record with
/// the built-in sheet's rates for its model as TokenTrace's import does, then runs the same group-bys. Each step is
/// timed inside the process and printed as <c>name\tseconds</c>.
/// </summary>
internal static class DuckDbReference
{
    /// <summary>Loads <paramref name="jsonl"/> into a new database at <paramref name="database"/>.</summary>
    public static void Load(string jsonl, string database, string repository)
    {
        foreach (var suffix in new[] { "", ".wal" })
        {
            File.Delete(database + suffix);
        }

        using var connection = new DuckDBConnection("Data Source=" + database);
        connection.Open();
        var clock = Stopwatch.StartNew();
        Execute(connection, $"CREATE TABLE prices AS SELECT * FROM (VALUES {PriceRows(repository)}) p(model, rate_input, rate_output, rate_cache_read, rate_cache_write)");
        Execute(connection, $$"""
            CREATE TABLE usage AS
            SELECT j.id, j."timestamp" AS ts, j.provider, j.model, j.operation, j.input, j.cacheRead AS cache_read, j.cacheWrite AS cache_write,
                   j.output, j.reasoning, j.project, j.job, j.task, j.agent, j.session, j."user", j.tags, j.source, j.latencyMs AS latency_ms,
                   (j.input * p.rate_input + j.output * p.rate_output + j.cacheRead * p.rate_cache_read + j.cacheWrite * p.rate_cache_write) / 1e6 AS cost
            FROM read_ndjson('{{jsonl}}', columns = {
                id: 'VARCHAR', "timestamp": 'TIMESTAMP', provider: 'VARCHAR', model: 'VARCHAR', operation: 'VARCHAR',
                input: 'BIGINT', cacheRead: 'BIGINT', cacheWrite: 'BIGINT', output: 'BIGINT', reasoning: 'BIGINT',
                project: 'VARCHAR', job: 'VARCHAR', task: 'VARCHAR', agent: 'VARCHAR', session: 'VARCHAR', "user": 'VARCHAR',
                tags: 'JSON', source: 'VARCHAR', latencyMs: 'DOUBLE'}) j
            LEFT JOIN prices p USING (model)
            """);
        Execute(connection, "CHECKPOINT");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"import\t{clock.Elapsed.TotalSeconds:F3}"));
    }

    /// <summary>Opens the database and runs every work item's queries, reading every result row.</summary>
    public static void Query(string database)
    {
        using var connection = new DuckDBConnection("Data Source=" + database);
        connection.Open();
        foreach (var work in ScaleWork.All())
        {
            var clock = Stopwatch.StartNew();
            long rows = 0;
            foreach (var sql in work.DuckDb)
            {
                using var command = connection.CreateCommand();
                command.CommandText = sql;
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        _ = reader.GetValue(i);
                    }

                    rows++;
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{work.Name}\t{clock.Elapsed.TotalSeconds:F3}\t{rows}"));
        }
    }

    /// <summary>Prints the rows of one ad hoc query, tab-separated (for checking results by hand).</summary>
    public static void Print(string database, string sql)
    {
        using var connection = new DuckDBConnection("Data Source=" + database);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            Console.WriteLine(string.Join('\t', Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
        }
    }

    /// <summary>The per-million-token rates of the eight models, from the built-in sheet (its first, current entry per name).</summary>
    private static string PriceRows(string repository)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(repository, "src/TokenTrace/Pricing/builtin-prices.json")));
        var rows = new StringBuilder();
        foreach (var (model, _, _) in LedgerGenerator.Models)
        {
            var entry = document.RootElement.GetProperty("providers").EnumerateObject()
                .SelectMany(p => p.Value.GetProperty("models").EnumerateArray())
                .First(m => m.GetProperty("name").GetString() == model);
            double Rate(string name) => entry.TryGetProperty(name, out var value) ? value.GetDouble() : 0;
            var cacheRead = entry.TryGetProperty("cacheRead", out var read) ? read.GetDouble() : Rate("input");
            var cacheWrite = entry.TryGetProperty("cacheWrite", out var write) ? write.GetDouble() : Rate("input");
            rows.Append(rows.Length == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture,
                $"('{model}', {Rate("input")}, {Rate("output")}, {cacheRead}, {cacheWrite})");
        }

        return rows.ToString();
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
