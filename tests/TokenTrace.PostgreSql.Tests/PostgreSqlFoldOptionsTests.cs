using System.Globalization;
using Npgsql;

namespace TokenTrace.PostgreSql.Tests;

/// <summary>
/// The fold thresholds are settings: <c>fold_after</c> and <c>summary_fold_after</c> in the URL, or
/// <see cref="PostgreSqlLedgerOptions"/>; the URL wins; a bad value is an error that names the option.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlFoldOptionsTests(PostgreSqlServer server)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(120);
    private static readonly DateTimeOffset T = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    private static UsageRecord[] Records(int from, int count) =>
    [
        .. Enumerable.Range(from, count).Select(i => new UsageRecord
        {
            Id = "r" + i.ToString(CultureInfo.InvariantCulture),
            Timestamp = T.AddMinutes(i),
            Model = "m1",
            Provider = "p1",
            Tokens = new TokenCounts { Input = 10, Output = 1 },
            CostUsd = 0.01m,
        }),
    ];

    [Fact]
    public async Task The_thresholds_in_the_url_set_when_appends_and_summaries_fold()
    {
        var database = await server.CreateDatabaseAsync();

        // Opened through the registry, as the command line and the server open it; the options type says 100,000 and
        // 20,000 (the defaults), the URL 3 and 2, and the URL wins.
        await using var ledger = (PostgreSqlUsageLedger)new UsageLedgerFactory().AddPostgreSql().Open(server.Spec(database) + "?fold_after=3&summary_fold_after=2");

        // 2 records: below 3, the append folds nothing; a summary from the sums finds 2 ≥ 2 behind and folds them.
        await ledger.AppendAsync(Records(0, 2));
        await ledger.BackgroundFoldIdle.WaitAsync(Generous);
        Assert.Equal("0", await server.ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
        Assert.Equal(2L, (await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Model], TimeZoneInfo.Utc)).Total.Records);
        Assert.Equal("2", await server.ScalarAsync(database, "SELECT seq FROM rollup_watermark"));

        // 3 more: 5 − 2 = 3 ≥ 3 behind, so the append starts a fold, which takes them.
        await ledger.AppendAsync(Records(2, 3));
        await ledger.BackgroundFoldIdle.WaitAsync(Generous);
        Assert.Equal("5", await server.ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
    }

    [Fact]
    public async Task The_options_type_sets_the_thresholds_and_the_url_wins_over_it()
    {
        var database = await server.CreateDatabaseAsync();
        var options = new PostgreSqlLedgerOptions { FoldAfterRecords = 2, SummaryFoldAfterRecords = 1_000 };
        await using (var fromOptions = new PostgreSqlUsageLedger(server.Spec(database), options))
        {
            // 2 ≥ 2: folded after the append.
            await fromOptions.AppendAsync(Records(0, 2));
            await fromOptions.BackgroundFoldIdle.WaitAsync(Generous);
            Assert.Equal("2", await server.ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
        }

        await using (var urlWins = new PostgreSqlUsageLedger(server.Spec(database) + "?FOLD_AFTER=5", options))
        {
            // 2 more: 2 < 5 behind, and the summary's 1,000 is not reached either: nothing folded.
            await urlWins.AppendAsync(Records(2, 2));
            await urlWins.BackgroundFoldIdle.WaitAsync(Generous);
            Assert.Equal(4L, (await urlWins.SummarizeAsync(UsageQuery.All, [SummaryDimension.Model], TimeZoneInfo.Utc)).Total.Records);
            Assert.Equal("2", await server.ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
        }
    }

    [Theory]
    [InlineData("fold_after", "0")]
    [InlineData("fold_after", "-5")]
    [InlineData("fold_after", "abc")]
    [InlineData("fold_after", "1e5")]
    [InlineData("fold_after", "1,000")]
    [InlineData("summary_fold_after", "")]
    [InlineData("summary_fold_after", "99999999999999999999")]
    public void A_bad_threshold_in_the_url_is_an_error_naming_the_option_and_never_the_password(string option, string value)
    {
        var url = string.Create(CultureInfo.InvariantCulture, $"postgres://postgres:s3cret-pw@127.0.0.1:{server.Port}/none?{option}={Uri.EscapeDataString(value)}");
        var error = Assert.Throws<FormatException>(() => new UsageLedgerFactory().AddPostgreSql().Open(url));
        Assert.Contains($"option '{option}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"not '{value}'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_threshold_in_the_options_is_an_error_naming_it()
    {
        var fold = Assert.Throws<ArgumentOutOfRangeException>(() => new PostgreSqlUsageLedger(server.Spec("none"), new PostgreSqlLedgerOptions { FoldAfterRecords = 0 }));
        Assert.Contains("FoldAfterRecords", fold.Message, StringComparison.Ordinal);
        var summary = Assert.Throws<ArgumentOutOfRangeException>(() => new PostgreSqlUsageLedger(server.Spec("none"), new PostgreSqlLedgerOptions { SummaryFoldAfterRecords = -1 }));
        Assert.Contains("SummaryFoldAfterRecords", summary.Message, StringComparison.Ordinal);
    }
}
