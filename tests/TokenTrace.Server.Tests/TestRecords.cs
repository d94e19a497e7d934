using System.Globalization;

namespace TokenTrace.Server.Tests;

public static class TestRecords
{
    public static readonly DateTimeOffset Day = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    /// <summary>gpt-4o-mini with 1,000 input and 500 output tokens, at minute <paramref name="n"/> of the day.</summary>
    public static UsageRecord Make(string id, int n = 0, string project = "docs", string model = "gpt-4o-mini") => new()
    {
        Id = id,
        Timestamp = Day.AddMinutes(n),
        Provider = "openai",
        Model = model,
        Tokens = new TokenCounts { Input = 1_000, Output = 500 },
        Attribution = new Attribution { Project = project },
    };

    public static IReadOnlyList<UsageRecord> Many(string prefix, int count, string project = "docs") =>
        [.. Enumerable.Range(0, count).Select(i => Make(string.Create(CultureInfo.InvariantCulture, $"{prefix}-{i:D4}"), i, project))];

    public static string Jsonl(IEnumerable<UsageRecord> records)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        foreach (var record in records)
        {
            UsageRecordJson.WriteLine(buffer, record);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
