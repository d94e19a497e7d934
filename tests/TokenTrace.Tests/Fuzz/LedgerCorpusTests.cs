namespace TokenTrace.Tests;

/// <summary>
/// Reads each damaged file of <c>Fuzz/Corpus/ledger/</c> (see its README) through a real ledger: nothing throws, the
/// expected records come out and the damaged lines are the ones reported; <c>doctor --repair</c>'s quarantine then leaves
/// a healthy ledger with the same records.
/// </summary>
public sealed class LedgerCorpusTests
{
    private static readonly string Corpus = Path.Combine(AppContext.BaseDirectory, "Fuzz", "Corpus", "ledger");

    [Theory]
    [InlineData("flipped-digit.jsonl", 2, new long[] { 2 })]
    [InlineData("invalid-utf8.jsonl", 2, new long[] { 2 })]
    [InlineData("merged-lines.jsonl", 2, new long[] { 1 })]
    [InlineData("damaged-crc-name.jsonl", 2, new long[] { 1 })]
    [InlineData("legacy-and-new.jsonl", 3, new long[0])]
    [InlineData("torn-last-line.jsonl", 2, new long[] { 3 })]
    [InlineData("flipped-cell.csv", 2, new long[] { 3 })]
    [InlineData("open-quote.csv", 2, new long[] { 2 })]
    [InlineData("damaged-header.csv", 3, new long[] { 1 })]
    [InlineData("legacy-and-new.csv", 3, new long[0])]
    [InlineData("invalid-utf8.csv", 2, new long[] { 3 })]
    [InlineData("truncated.jsonl.gz", -1, new long[] { 0, 1 })]
    [InlineData("bad-trailer-crc.jsonl.gz", 3, new long[] { 0 })]
    [InlineData("not-gzip.jsonl.gz", 0, new long[] { 0 })]
    public async Task A_damaged_ledger_file_reads_what_it_can_and_names_the_damaged_lines(string name, int records, long[] problemLines)
    {
        using var temp = new TempDirectory();
        var (ledger, file) = Place(name, temp);
        var problems = new List<LedgerProblem>();
        var read = await ledger.ReadAsync(UsageQuery.All).ToListAsync();
        var health = await ((ILedgerHealthCheck)ledger).CheckAsync();

        if (records >= 0)
        {
            Assert.Equal(records, read.Count);
        }

        Assert.All(read, r => Assert.Equal(100 * long.Parse(r.Id[1..], System.Globalization.CultureInfo.InvariantCulture), r.Tokens.Input));
        if (name.EndsWith(".csv", StringComparison.Ordinal))
        {
            Assert.All(read, r => Assert.Equal("demo, \"quoted\"", r.Attribution.Project));
            Assert.All(read, r => Assert.NotNull(r.CostUsd));
        }

        Assert.Equal(problemLines, health.Problems.Select(p => p.Line).Order().ToArray());
        Assert.All(health.Problems, p => Assert.Equal(file, p.File));

        // The quarantine keeps what cannot be read beside the ledger and leaves it healthy, with the same records.
        await ((ILedgerMaintenance)ledger).QuarantineAsync();
        var repaired = await ((ILedgerHealthCheck)ledger).CheckAsync();
        Assert.True(repaired.IsHealthy, string.Join("; ", repaired.Problems));
        Assert.Equal(read.Count, repaired.Records);
    }

    /// <summary>Puts the corpus file where a ledger keeps such a file: a day file, an archive, or the CSV ledger itself.</summary>
    private static (IUsageLedger Ledger, string File) Place(string name, TempDirectory temp)
    {
        string target;
        IUsageLedger ledger;
        if (name.EndsWith(".csv", StringComparison.Ordinal))
        {
            target = temp.File("usage.csv");
            ledger = new CsvUsageLedger(target);
        }
        else
        {
            var root = temp.File("usage");
            target = name.EndsWith(".gz", StringComparison.Ordinal) ? Path.Combine(root, "archive", "2026-11-23.jsonl.gz") : Path.Combine(root, "2026-11-23.jsonl");
            ledger = new JsonlUsageLedger(root);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(Path.Combine(Corpus, name), target);
        return (ledger, target);
    }
}
