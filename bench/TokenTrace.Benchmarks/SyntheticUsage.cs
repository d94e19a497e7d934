namespace TokenTrace.Benchmarks;

/// <summary>Deterministic synthetic records shaped like real traffic (a few models, projects and jobs).</summary>
internal static class SyntheticUsage
{
    private static readonly string[] Models = ["claude-sonnet-4-5", "gpt-4o", "gemini-2.5-pro", "claude-haiku-4-5", "o3", "mistral-large"];

    public static IEnumerable<UsageRecord> Records(int count, int seed, string idPrefix)
    {
        var random = new Random(seed);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < count; i++)
        {
            var input = random.Next(100, 50_000);
            var output = random.Next(10, 5_000);
            yield return new UsageRecord
            {
                Id = idPrefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Timestamp = start.AddSeconds(random.Next(0, 300 * 86_400)),
                Model = Models[i % Models.Length],
                Provider = "anthropic",
                Tokens = new TokenCounts { Input = input, Output = output, CacheRead = input / 3 },
                Attribution = new Attribution { Project = "p" + (i % 20), Job = "job" + (i % 500) },
                CostUsd = ((input * 3m) + (output * 15m)) / 1_000_000m,
                Source = "bench",
            };
        }
    }

    /// <summary>A SQLite ledger with <paramref name="count"/> records, built once and kept in the temp folder for later runs.</summary>
    public static async Task<string> PopulatedDatabaseAsync(int count)
    {
        var path = Path.Combine(Path.GetTempPath(), $"tokentrace-bench-{count}.db");
        var ready = path + ".ready";
        if (File.Exists(ready))
        {
            return path;
        }

        File.Delete(path);
        var ledger = new Sqlite.SqliteUsageLedger(path);
        var batch = new List<UsageRecord>(100_000);
        foreach (var record in Records(count, seed: 7, idPrefix: "bench-"))
        {
            batch.Add(record);
            if (batch.Count == batch.Capacity)
            {
                await ledger.AppendAsync(batch);
                batch.Clear();
            }
        }

        await ledger.AppendAsync(batch);
        await File.WriteAllTextAsync(ready, DateTime.UtcNow.ToString("O"));
        return path;
    }
}
