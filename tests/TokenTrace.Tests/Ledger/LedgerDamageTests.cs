using System.Text;
using System.Globalization;
using System.IO.Compression;
using CsCheck;

namespace TokenTrace.Tests;

/// <summary>
/// One bad byte costs one line: random byte flips and invalid UTF-8 in real JSONL and CSV ledger files and in a gzip
/// archive. Reading never throws, every record the damage did not hit still reads with its exact value, the damaged
/// line is reported with its line number, and nothing reads back changed (the line checksum catches it).
/// </summary>
public sealed class LedgerDamageTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Records on one day (one file), with distinct ids.</summary>
    private static readonly Gen<UsageRecord[]> Records =
        RecordGenerators.Record.Array[2, 6].Select(records => records.Select((r, i) => r with { Id = $"r{i}:{r.Id}", Timestamp = Day.AddSeconds(i) }).ToArray());

    private static readonly byte[][] InvalidUtf8 = [[0xFF], [0xC3], [0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]];

    [Theory]
    [InlineData(".jsonl")]
    [InlineData(".csv")]
    public void A_flipped_byte_costs_at_most_the_record_it_hit_and_is_reported(string extension)
    {
        Gen.Select(Records, Gen.Double[0, 1], Gen.Int[1, 255]).Sample(
            (records, where, mask) => AssertDamageIsContained(extension, records, original =>
            {
                var pos = (int)(where * (original.Length - 1));
                var damaged = (byte[])original.Clone();
                damaged[pos] ^= (byte)mask;
                return (damaged, pos);
            }),
            iter: 150);
    }

    [Theory]
    [InlineData(".jsonl")]
    [InlineData(".csv")]
    public void Invalid_utf8_inserted_anywhere_costs_at_most_the_record_it_hit_and_is_reported(string extension)
    {
        Gen.Select(Records, Gen.Double[0, 1], Gen.Int[0, InvalidUtf8.Length - 1]).Sample(
            (records, where, which) => AssertDamageIsContained(extension, records, original =>
            {
                var pos = (int)(where * (original.Length - 1));
                return ([.. original[..pos], .. InvalidUtf8[which], .. original[pos..]], pos);
            }),
            iter: 150);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_damaged_gzip_archive_is_reported_and_never_yields_a_changed_record(bool legacyLines)
    {
        Gen.Select(Records, Gen.Double[0, 1], Gen.Int[0, 255], Gen.Bool).Sample(
            (records, where, mask, truncate) =>
            {
                using var temp = new TempDirectory();
                var root = temp.File("u");
                var archive = WriteArchive(root, records, legacyLines);
                var today = new UsageRecord { Id = "today", Timestamp = Day.AddDays(10), Model = "m" };
                new JsonlUsageLedger(root).AppendAsync([today]).GetAwaiter().GetResult();

                var bytes = File.ReadAllBytes(archive);
                var pos = (int)(where * (bytes.Length - 1));
                if (truncate)
                {
                    bytes = bytes[..pos];
                }
                else
                {
                    bytes[pos] ^= (byte)Math.Max(mask, 1);
                }

                File.WriteAllBytes(archive, bytes);
                var ledger = new JsonlUsageLedger(root);
                var read = ReadAll(ledger);
                var health = ledger.CheckAsync().GetAwaiter().GetResult();

                Assert.Contains(read, r => r.Id == "today");
                var byId = records.ToDictionary(r => r.Id, StringComparer.Ordinal);
                foreach (var record in read.Where(r => r.Id != "today"))
                {
                    Assert.True(byId.TryGetValue(record.Id, out var expected), "a record with an id that was never written: " + record.Id);
                    DeepAssert.Equal(expected, record);
                }

                if (read.Count < records.Length + 1)
                {
                    Assert.Contains(health.Problems, p => p.File == archive);
                }
            },
            iter: 150);
    }

    /// <summary>
    /// A quote opened by damage in a large CSV file whose other rows are all balanced never closes: the damaged row must
    /// not swallow the rest of the file (one lost row per damaged byte), and the search for the next row must stay linear
    /// (it joined the swallowed lines once per line before, which hung on 20,000 rows).
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_quote_opened_by_damage_in_a_large_csv_costs_one_row()
    {
        using var temp = new TempDirectory();
        var records = Enumerable.Range(0, 20_000)
            .Select(i => new UsageRecord { Id = "q" + i.ToString(CultureInfo.InvariantCulture), Timestamp = Day.AddSeconds(i % 3600), Model = "m", Tokens = new TokenCounts { Input = i } })
            .ToArray();
        await new CsvUsageLedger(temp.File("u.csv")).AppendAsync(records);
        var file = temp.File("u.csv");
        var bytes = await File.ReadAllBytesAsync(file);

        // Open a quote at the start of the model cell of the row in the middle: ...,m,... becomes ...,",...
        var row = Encoding.UTF8.GetBytes("\nq10000,");
        var at = bytes.AsSpan().IndexOf(row);
        var model = at + bytes.AsSpan(at).IndexOf(",m,"u8) + 1;
        Assert.Equal((byte)'m', bytes[model]);
        bytes[model] = (byte)'"';
        await File.WriteAllBytesAsync(file, bytes);

        var ledger = new CsvUsageLedger(file);
        var read = await ledger.ReadAsync(UsageQuery.All).ToListAsync();
        Assert.Equal(records.Length - 1, read.Count);
        Assert.DoesNotContain(read, r => r.Id == "q10000");
        Assert.All(read, r => Assert.Equal(long.Parse(r.Id[1..], CultureInfo.InvariantCulture), r.Tokens.Input));
        var health = await ledger.CheckAsync();
        var problem = Assert.Single(health.Problems);
        Assert.Equal(10_002, problem.Line); // the header, then q0 on line 2
    }

    [Fact]
    public async Task A_truncated_archive_is_reported_and_its_checksummed_records_before_the_cut_still_count()
    {
        using var temp = new TempDirectory();
        var root = temp.File("u");
        var records = Enumerable.Range(0, 2000).Select(i => new UsageRecord { Id = "r" + i, Timestamp = Day, Model = "m", Tokens = new TokenCounts { Input = i } }).ToArray();
        var archive = WriteArchive(root, records, legacyLines: false);
        var bytes = await File.ReadAllBytesAsync(archive);
        await File.WriteAllBytesAsync(archive, bytes[..(bytes.Length / 2)]);

        var ledger = new JsonlUsageLedger(root);
        var read = ReadAll(ledger);
        Assert.InRange(read.Count, 1, records.Length - 1);
        Assert.All(read, r => Assert.Equal(long.Parse(r.Id[1..], System.Globalization.CultureInfo.InvariantCulture), r.Tokens.Input));
        var health = await ledger.CheckAsync();
        Assert.Contains(health.Problems, p => p.File == archive && p.Line == 0 && p.Message.Contains("archive is damaged", StringComparison.Ordinal));

        // Repair keeps the damaged original beside the archive and rewrites the archive from what could be read.
        Assert.True(await ledger.QuarantineAsync() > 0);
        Assert.True(File.Exists(archive + ".corrupt"));
        var repaired = await ledger.CheckAsync();
        Assert.True(repaired.IsHealthy, string.Join("; ", repaired.Problems));
        Assert.Equal(read.Count, repaired.Records);
    }

    /// <summary>Writes <paramref name="records"/> through a real ledger, damages its file, and checks what reads back.</summary>
    private static void AssertDamageIsContained(string extension, UsageRecord[] records, Func<byte[], (byte[] Damaged, int Position)> damage)
    {
        using var temp = new TempDirectory();
        var ledger = Open(extension, temp);
        ledger.AppendAsync(records).GetAwaiter().GetResult();
        var file = Directory.EnumerateFiles(temp.Path, "*" + extension, SearchOption.AllDirectories).Single();
        var original = File.ReadAllBytes(file);

        // Which lines each record takes in the undamaged file.
        var format = extension == ".csv" ? (IFileLedgerFormat)CsvFormat.Instance : JsonLinesFormat.Instance;
        var spans = new List<RecordLines>();
        using (var stream = new MemoryStream(original))
        {
            foreach (var entry in format.Read(stream, file))
            {
                Assert.Null(entry.Problem);
                if (entry.Record is { } record)
                {
                    Assert.True(entry.Verified);
                    spans.Add(new RecordLines(record.Id, entry.Line, entry.Line + entry.Raw.Count(b => b == '\n')));
                }
            }
        }

        var (damaged, pos) = damage(original);
        File.WriteAllBytes(file, damaged);
        var line = 1 + original.AsSpan(0, pos).Count((byte)'\n');
        var hit = spans.Where(s => s.First <= line && line <= s.Last).Select(s => (RecordLines?)s).SingleOrDefault();

        var reopened = Open(extension, temp);
        var read = ReadAll(reopened);
        var health = reopened.CheckAsync().GetAwaiter().GetResult();

        var byId = records.ToDictionary(r => r.Id, StringComparer.Ordinal);
        foreach (var record in read)
        {
            Assert.True(byId.TryGetValue(record.Id, out var expected), "a record with an id that was never written: " + record.Id);
            DeepAssert.Equal(expected, record);
        }

        var missing = records.Select(r => r.Id).Except(read.Select(r => r.Id)).ToList();
        Assert.True(missing.Count == 0 || (missing.Count == 1 && missing[0] == hit?.Id), $"lost {string.Join(", ", missing)}; the damage hit line {line} ({hit?.Id ?? "no record"})");

        var first = hit?.First ?? line;
        var last = hit?.Last ?? line;
        // A newline made by the damage moves what follows it one line down.
        Assert.Contains(health.Problems, p => p.File == file && p.Line >= first && p.Line <= line + 1);
        Assert.All(health.Problems, p => Assert.InRange(p.Line, first, last + 1));
        Assert.Equal(read.Count, health.Records);
    }

    private static IUsageLedger Open(string extension, TempDirectory temp) =>
        extension == ".csv" ? new CsvUsageLedger(temp.File("u.csv")) : new JsonlUsageLedger(temp.File("u"));

    private static List<UsageRecord> ReadAll(IUsageLedger ledger) =>
        ledger.ReadAsync(UsageQuery.All).ToListAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Writes records into <c>archive/2026-11-23.jsonl.gz</c> as maintenance would, or as an older version's lines without checksums.</summary>
    private static string WriteArchive(string root, UsageRecord[] records, bool legacyLines)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        if (legacyLines)
        {
            foreach (var record in records)
            {
                UsageRecordJson.WriteLine(buffer, record);
            }
        }
        else
        {
            JsonLinesFormat.Instance.Write(records, buffer);
        }

        var archive = Path.Combine(root, "archive", "2026-11-23.jsonl.gz");
        Directory.CreateDirectory(Path.GetDirectoryName(archive)!);
        using (var output = File.Create(archive))
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(buffer.WrittenSpan);
        }

        return archive;
    }

    private readonly record struct RecordLines(string Id, long First, long Last);
}
