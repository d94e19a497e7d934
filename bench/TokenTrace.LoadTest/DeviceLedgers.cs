using System.Globalization;
using TokenTrace.Sqlite;

namespace TokenTrace.LoadTest;

/// <summary>
/// The machines' own ledgers: one SQLite file per device, filled with seeded records (the same on every run) through the
/// core's batched append, 10,000 records a transaction. Ids carry the device's number, so no two devices share one.
/// </summary>
internal static class DeviceLedgers
{
    private static readonly string[] Models = ["gpt-4o-mini", "gpt-4o", "claude-sonnet-4-5", "claude-haiku-4-5"];
    private static readonly string[] Projects = ["checkout", "search", "docs", "support"];

    /// <summary>The file of device <paramref name="device"/> in <paramref name="folder"/>.</summary>
    public static string PathOf(string folder, int device) => Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"device-{device:D2}.db"));

    /// <summary>Writes <paramref name="records"/> records for device <paramref name="device"/>, seeded by its number; its spec.</summary>
    public static async Task<string> CreateAsync(string folder, int device, int records, CancellationToken cancellationToken)
    {
        var spec = "sqlite:" + PathOf(folder, device);
        var ledger = new UsageLedgerFactory().AddSqlite().Open(spec);
        await using (ledger.ConfigureAwait(false))
        {
            var random = new Random(1_000 + device);
            var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
            var batch = new List<UsageRecord>(10_000);
            for (var i = 0; i < records; i++)
            {
                var model = Models[random.Next(Models.Length)];
                batch.Add(new UsageRecord
                {
                    Id = string.Create(CultureInfo.InvariantCulture, $"load-d{device:D2}-{i:D7}"),
                    // Spread over November (30 days): every record of a device at a distinct second.
                    Timestamp = start.AddSeconds((long)i * 30 * 86_400 / Math.Max(records, 1)),
                    Provider = model.StartsWith("claude", StringComparison.Ordinal) ? "anthropic" : "openai",
                    Model = model,
                    Tokens = new TokenCounts { Input = random.Next(100, 20_000), Output = random.Next(10, 2_000) },
                    Attribution = new Attribution
                    {
                        Project = Projects[random.Next(Projects.Length)],
                        Session = string.Create(CultureInfo.InvariantCulture, $"s{device:D2}-{i / 50}"),
                        User = string.Create(CultureInfo.InvariantCulture, $"user{device:D2}"),
                    },
                });
                if (batch.Count == batch.Capacity)
                {
                    await ledger.AppendAsync(batch, cancellationToken).ConfigureAwait(false);
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                await ledger.AppendAsync(batch, cancellationToken).ConfigureAwait(false);
            }
        }

        return spec;
    }
}
