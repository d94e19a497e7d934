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

    private static UsageRecord Record(int i) => new()
    {
        Id = "r-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(i),
        Model = "model-" + (i % 5).ToString(System.Globalization.CultureInfo.InvariantCulture),
        Attribution = new Attribution { Session = "s-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), Project = "p" },
    };
}
