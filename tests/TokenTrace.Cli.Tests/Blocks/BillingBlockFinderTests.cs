using CsCheck;
using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests.Blocks;

/// <summary>
/// The finder decides blocks from hourly totals and reads records only at the edges; these tests hold it to the rule
/// applied record by record (ccusage's loop, written out here), on a real SQLite ledger.
/// </summary>
public sealed class BillingBlockFinderTests
{
    private static readonly DateTimeOffset Base = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Five = TimeSpan.FromHours(5);

    [Fact]
    public async Task Blocks_from_hourly_totals_equal_the_record_by_record_rule()
    {
        // Times over three days, many on whole hours (and a millisecond after), so that records land exactly 5 hours after
        // a block's start; some from another source, which the finder must leave out.
        var time = Gen.Select(Gen.Int[0, 72], Gen.Int[0, 3], Gen.Int[0, 59]).Select((hour, kind, minute) => kind switch
        {
            0 => Base.AddHours(hour),
            1 => Base.AddHours(hour).AddMilliseconds(1),
            _ => Base.AddHours(hour).AddMinutes(minute).AddSeconds(minute),
        });
        var call = Gen.Select(time, Gen.Int[1, 1000], Gen.Int[0, 4]);
        await Gen.Select(call.Array[1, 30], time).SampleAsync(async (calls, now) =>
        {
            using var temp = new TempDirectory();
            await using var ledger = new SqliteUsageLedger(temp.File("usage.db"));
            var records = calls.Select((c, i) => new UsageRecord
            {
                Id = "r" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Timestamp = c.Item1,
                Model = "claude-sonnet-4-5",
                Tokens = new TokenCounts { Input = c.Item2 },
                Source = c.Item3 == 0 ? "sdk" : "claude-code",
            }).ToList();
            await ledger.AppendAsync(records);

            var found = await new BillingBlockFinder(ledger, UsageQuery.All, new HashSet<string> { "claude-code" }).FindAsync(null, CancellationToken.None);

            var expected = Reference(records.Where(r => r.Source == "claude-code"));
            Assert.Equal(expected, found.Select(b => (b.IsGap, b.Start, b.End, b.FirstActivity, b.LastActivity, b.Totals.Records, b.Totals.InputTokens)).ToList());

            // Asked for the last block only, the finder gives the same last block.
            var last = await new BillingBlockFinder(ledger, UsageQuery.All, new HashSet<string> { "claude-code" }).FindAsync(1, CancellationToken.None);
            Assert.Equal(expected.Count == 0 ? [] : [expected[^1]], last.Select(b => (b.IsGap, b.Start, b.End, b.FirstActivity, b.LastActivity, b.Totals.Records, b.Totals.InputTokens)).ToList());

            // The block open at a moment in those three days: the last block, when its end is after now and its last record
            // less than 5 h before (records after now count too, as a clock set back would see them) — the same as by the
            // rule, also when the finder reads only the last two days.
            var open = await new BillingBlockFinder(ledger, UsageQuery.All, new HashSet<string> { "claude-code" }).FindActiveAsync(now, CancellationToken.None);
            var lastBlock = expected.Where(b => !b.Item1).ToList() is [.., var final] ? final : default;
            List<(bool, DateTimeOffset, DateTimeOffset, DateTimeOffset, DateTimeOffset, long, long)> expectedOpen =
                expected.Count > 0 && now < lastBlock.Item3 && now - lastBlock.Item5 < Five ? [lastBlock] : [];
            Assert.Equal(expectedOpen, open is null ? [] : [(open.IsGap, open.Start, open.End, open.FirstActivity, open.LastActivity, open.Totals.Records, open.Totals.InputTokens)]);
        }, iter: 80);
    }

    /// <summary>ccusage's loop: sorted records; a new block (on the hour of its first record) when a record is more than 5 h after the block's start or the previous record; a gap row when after the previous record.</summary>
    private static List<(bool, DateTimeOffset, DateTimeOffset, DateTimeOffset, DateTimeOffset, long, long)> Reference(IEnumerable<UsageRecord> records)
    {
        var rows = new List<(bool, DateTimeOffset, DateTimeOffset, DateTimeOffset, DateTimeOffset, long, long)>();
        DateTimeOffset? start = null;
        var current = new List<UsageRecord>();
        foreach (var record in records.OrderBy(r => r.Timestamp))
        {
            if (start is { } s && (record.Timestamp - s > Five || record.Timestamp - current[^1].Timestamp > Five))
            {
                rows.Add(Block(s, current));
                if (record.Timestamp - current[^1].Timestamp > Five)
                {
                    rows.Add((true, current[^1].Timestamp + Five, record.Timestamp, current[^1].Timestamp + Five, record.Timestamp, 0, 0));
                }

                (start, current) = (null, []);
            }

            start ??= new DateTimeOffset(record.Timestamp.Year, record.Timestamp.Month, record.Timestamp.Day, record.Timestamp.Hour, 0, 0, TimeSpan.Zero);
            current.Add(record);
        }

        if (start is { } last)
        {
            rows.Add(Block(last, current));
        }

        return rows;

        static (bool, DateTimeOffset, DateTimeOffset, DateTimeOffset, DateTimeOffset, long, long) Block(DateTimeOffset start, List<UsageRecord> records) =>
            (false, start, start + Five, records[0].Timestamp, records[^1].Timestamp, records.Count, records.Sum(r => r.Tokens.Input));
    }
}
