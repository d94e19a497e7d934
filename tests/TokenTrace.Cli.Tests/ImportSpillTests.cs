using CsCheck;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

public sealed class ImportSpillTests
{
    [Fact]
    public void Records_read_back_from_the_spill_are_the_records_written()
    {
        RecordGenerators.Batch.Sample(records =>
        {
            using var spill = new ImportSpill();
            foreach (var record in records)
            {
                spill.Write(record);
            }

            var read = spill.ReadAll().ToList();
            Assert.Equal(records.Length, read.Count);
            for (var i = 0; i < records.Length; i++)
            {
                DeepAssert.Equal(records[i], read[i]);
            }
        }, iter: 100);
    }

    [Fact]
    public void Strings_past_the_numbered_ones_are_written_out_in_full_and_read_back()
    {
        using var spill = new ImportSpill();
        var count = ImportSpill.MaxStrings + 1_000;
        for (var i = 0; i < count; i++)
        {
            spill.Write(Record(i));
        }

        var n = 0;
        foreach (var record in spill.ReadAll())
        {
            DeepAssert.Equal(Record(n), record);
            n++;
        }

        Assert.Equal(count, n);
    }

    [Fact]
    public void Records_with_the_same_tags_share_one_read_only_dictionary_and_every_record_keeps_its_own_tags()
    {
        Dictionary<string, string>[] sets =
        [
            new() { ["env"] = "prod" },
            new() { ["env"] = "prod" },
            new() { ["env"] = "dev" },
            new() { ["env"] = "prod", ["team"] = "search" },
            new() { ["team"] = "search", ["env"] = "prod" },
            new() { ["a"] = "1", ["b"] = "2", ["c"] = "3", ["d"] = "4" },
            new() { ["a"] = "1", ["b"] = "2", ["c"] = "3", ["d"] = "5" },
            new() { ["a"] = "1", ["b"] = "2", ["c"] = "3", ["d"] = "4", ["e"] = "5" },
            new() { ["a"] = "1", ["b"] = "2", ["c"] = "3", ["d"] = "4", ["e"] = "5" },
            new() { ["env"] = "" },
        ];

        // More distinct sets than are shared, so that sharing starts over at least once, then the first ones again.
        var records = sets.Concat(Enumerable.Range(0, ImportSpill.MaxTagSets + 10).Select(i => new Dictionary<string, string> { ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }))
            .Concat(sets)
            .Select((tags, i) => Record(i) with { Attribution = new Attribution { Tags = tags } })
            .ToList();
        using var spill = new ImportSpill();
        records.ForEach(spill.Write);

        var read = spill.ReadAll().ToList();

        Assert.Equal(records.Count, read.Count);
        for (var i = 0; i < records.Count; i++)
        {
            DeepAssert.Equal(records[i], read[i]);
        }

        Assert.Same(read[0].Attribution.Tags, read[1].Attribution.Tags);
        Assert.NotSame(read[0].Attribution.Tags, read[2].Attribution.Tags);
    }

    private static UsageRecord Record(int i) => new()
    {
        Id = "r-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(i),
        Model = "model-" + (i % 5).ToString(System.Globalization.CultureInfo.InvariantCulture),
        Attribution = new Attribution { Session = "s-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), Project = "p" },
    };
}
