using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;

namespace TokenTrace.Scale;

/// <summary>
/// Where a summary query's time goes on the DuckDB side (`profile-sql DB SQL`): the query run and its rows stepped
/// through without reading a value, then run again with every value read as the summary reads it (strings, 64-bit
/// integers, doubles), each with wall and process CPU time; the query is the caller's, so a summary's exact SQL can be
/// pasted and its parts (fewer sums, no ORDER BY) compared.
/// </summary>
internal static class SqlProfile
{
    public static void Run(string database, string sql, int repeats)
    {
        using var connection = new DuckDBConnection("Data Source=" + database);
        connection.Open();
        using (var threads = connection.CreateCommand())
        {
            threads.CommandText = string.Create(CultureInfo.InvariantCulture, $"SET threads = {Math.Clamp(Environment.ProcessorCount, 1, 16)};");
            threads.ExecuteNonQuery();
        }

        for (var i = 0; i < repeats; i++)
        {
            foreach (var readValues in new[] { false, true })
            {
                var clock = Stopwatch.StartNew();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                using var command = connection.CreateCommand();
                command.CommandText = sql;
                using var reader = command.ExecuteReader();
                long rows = 0;
                double check = 0;
                while (reader.Read())
                {
                    rows++;
                    if (readValues)
                    {
                        for (var c = 0; c < reader.FieldCount; c++)
                        {
                            if (reader.IsDBNull(c))
                            {
                                continue;
                            }

                            var type = reader.GetFieldType(c);
                            check += type == typeof(string) ? reader.GetString(c).Length : type == typeof(double) ? reader.GetDouble(c) : reader.GetInt64(c);
                        }
                    }
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(readValues ? "values read" : "rows only  ")}: {rows} rows, {clock.Elapsed.TotalSeconds:0.000} s wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:0.000} CPU-s (check {check:G4})"));
            }
        }
    }
}
