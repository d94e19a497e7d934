using System.Numerics;
using CsCheck;

namespace TokenTrace.Tests;

/// <summary>Issue 9 item 3: any records at or under the bounds sum exactly in every ledger, whatever the dimension.</summary>
public abstract partial class UsageLedgerContract
{
    private static readonly Gen<long> BoundCount = Gen.Frequency((1, Gen.Const(UsageLimits.MaxTokensPerBucket)), (1, Gen.Long[0, UsageLimits.MaxTokensPerBucket]));

    private static readonly Gen<UsageRecord> AtTheBound =
        from input in BoundCount
        from cacheRead in BoundCount
        from cacheWrite in BoundCount
        from cacheWrite1h in BoundCount
        from output in BoundCount
        from cost in Gen.Frequency((1, Gen.Const(UsageLimits.MaxCostUsd)), (1, Gen.Long[0, 5_000_000_000_000_000].Select(p => p / 1_000_000_000_000m)))
        from project in Gen.OneOf<string>("a", "b")
        select new UsageRecord
        {
            Id = "x",
            Timestamp = new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero),
            Model = "m",
            Tokens = new TokenCounts { Input = input, CacheRead = cacheRead, CacheWrite = cacheWrite, CacheWrite1h = cacheWrite1h, Output = output, Reasoning = output },
            CostUsd = cost,
            Attribution = new Attribution { Project = project },
        };

    [Fact]
    public void Records_at_or_under_the_bounds_sum_exactly_by_every_dimension()
    {
        AtTheBound.Array[1, 30].Select(records => records.Select((r, i) => r with { Id = "b" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) }).ToArray()).Sample(batch =>
        {
            Assert.All(batch, r => Assert.Empty(UsageRecordValidator.Validate(r)));
            using var temp = new TempDirectory();
            var ledger = Open(temp.Path);
            try
            {
                ledger.AppendAsync(batch).GetAwaiter().GetResult();
                var expectedTokens = batch.Aggregate(BigInteger.Zero, (sum, r) => sum + r.Tokens.Input + r.Tokens.CacheRead + r.Tokens.CacheWrite + r.Tokens.CacheWrite1h + r.Tokens.Output);
                var expectedCost = batch.Sum(r => UsageTotals.RoundCost(r.CostUsd!.Value));
                foreach (var by in new[] { Array.Empty<string>(), ["project"], ["day"], ["model", "hour"] })
                {
                    var dimensions = by.Select(SummaryDimension.Parse).ToList();
                    var summary = ledger.SummarizeAsync(UsageQuery.All, dimensions, TimeZoneInfo.Utc).GetAwaiter().GetResult();
                    Assert.Equal(expectedTokens, (BigInteger)summary.Total.TotalTokens);
                    Assert.Equal(expectedCost, summary.Total.CostUsd);
                    Assert.Equal(expectedTokens, summary.Rows.Aggregate(BigInteger.Zero, (sum, row) => sum + row.Totals.TotalTokens));
                }
            }
            finally
            {
                (ledger as IAsyncDisposable)?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }, iter: 15);
    }

    [Fact]
    public async Task A_record_over_a_bound_is_refused_naming_the_field_and_nothing_is_stored()
    {
        using var temp = new TempDirectory();
        var ledger = Open(temp.Path);
        try
        {
            var over = EveryField with { Id = "over", Tokens = EveryField.Tokens with { CacheWrite = UsageLimits.MaxTokensPerBucket + 1 } };
            var ex = await Assert.ThrowsAnyAsync<ArgumentException>(() => ledger.AppendAsync([over]));
            Assert.Contains("cacheWrite: 1000000001 is above the limit", ex.Message, StringComparison.Ordinal);
            Assert.Empty(await ReadAll(ledger));
        }
        finally
        {
            await ((ledger as IAsyncDisposable)?.DisposeAsync() ?? ValueTask.CompletedTask);
        }
    }
}
