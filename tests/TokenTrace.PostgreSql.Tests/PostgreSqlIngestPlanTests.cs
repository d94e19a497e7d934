using System.Globalization;
using Npgsql;

namespace TokenTrace.PostgreSql.Tests;

/// <summary>
/// How the append's merge runs on the server: never compiled by the JIT, whose compilation cost more than the merge's
/// work (docs/architecture/performance.md, "Where ingest time goes").
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlIngestPlanTests(PostgreSqlServer server)
{
    [Fact]
    public async Task The_merge_is_never_jit_compiled_even_where_every_statement_would_be()
    {
        var database = await server.CreateDatabaseAsync();
        var at = new DateTimeOffset(2026, 11, 3, 10, 0, 0, TimeSpan.Zero);
        await using (var ledger = new PostgreSqlUsageLedger(server.Spec(database)))
        {
            // Creates the schema and November's partition.
            Assert.Equal(new AppendResult(1, 0), await ledger.AppendAsync([new UsageRecord { Id = "first", Timestamp = at, Model = "m", Tokens = new TokenCounts { Input = 1 } }]));
        }

        var builder = new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = database };
        await using (var admin = new NpgsqlConnection(builder.ConnectionString))
        {
            // A cost threshold of 0: with jit on, every statement of a new session is compiled, however small its guess.
            await admin.OpenAsync();
            await using var command = new NpgsqlCommand($"ALTER DATABASE {database} SET jit_above_cost = 0", admin);
            await command.ExecuteNonQueryAsync();
        }

        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        var jitAvailable = (bool)(await new NpgsqlCommand("SELECT pg_jit_available()", connection).ExecuteScalarAsync())!;

        // The control: the same merge with jit back on is compiled wherever this server can compile at all.
        Assert.Equal(jitAvailable, await MergeIsCompiledAsync(connection, at, "SET LOCAL jit = on"));
        Assert.False(await MergeIsCompiledAsync(connection, at, "SELECT 1"));
    }

    /// <summary>
    /// Runs the append's prelude, then <paramref name="after"/>, stages one new record and merges it under
    /// <c>EXPLAIN ANALYZE</c> in a transaction rolled back; whether the plan reports a JIT section.
    /// </summary>
    private static async Task<bool> MergeIsCompiledAsync(NpgsqlConnection connection, DateTimeOffset at, string after)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var prelude = new NpgsqlCommand($"{PostgreSqlUsageLedger.AppendPrelude}; {after}", connection, transaction))
        {
            await prelude.ExecuteNonQueryAsync();
        }

        await using (var stage = new NpgsqlCommand(string.Create(CultureInfo.InvariantCulture,
            $"INSERT INTO usage_incoming (ord, id, ts, model, operation, input, cache_read, cache_write, cache_write_1h, output, reasoning, source) VALUES (0, 'second', {at.UtcTicks}, 'm', 'chat', 1, 0, 0, 0, 1, 0, 'test')"), connection, transaction))
        {
            await stage.ExecuteNonQueryAsync();
        }

        await using var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, FORMAT JSON) " + PostgreSqlSchema.MergeStaging, connection, transaction);
        var plan = Convert.ToString(await explain.ExecuteScalarAsync(), CultureInfo.InvariantCulture)!;

        // The merge ran (one record added), so the plan is of a real append's statement.
        Assert.Contains("\"Actual Rows\": 1", plan, StringComparison.Ordinal);
        await transaction.RollbackAsync();
        return plan.Contains("\"JIT\"", StringComparison.Ordinal);
    }
}
