using System.Buffers;
using System.Text;
using CsCheck;

namespace TokenTrace.Tests;

/// <summary>The fast JSON line reader agrees with the full parser on every line it takes, and takes every line the writers write.</summary>
public sealed class UsageRecordJsonReaderTests
{
    private static readonly string[] Insertions =
        ["\"", "\\", "{", "}", "[", "]", ",", ":", " ", "null", "-", "1e3", ".5", "\"x\"", "\\u0041", "\"id\":\"dup\",", "\"input\":\"7\",", "\"timestamp\":\"2026-01-01T00:00:00+02:00\","];

    private static byte[] Line(UsageRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>();
        UsageRecordJson.WriteLine(buffer, record);
        return buffer.WrittenSpan[..^1].ToArray();
    }

    [Fact]
    public void Every_line_the_writer_writes_takes_the_fast_path_and_reads_back_the_same_record()
    {
        var reader = new UsageRecordJsonReader();
        RecordGenerators.Record.Sample(record =>
        {
            var line = Line(record);
            var fast = reader.TryParse(line);
            Assert.NotNull(fast);
            DeepAssert.Equal(record, fast);
            DeepAssert.Equal(UsageRecordJson.Parse(line), fast);
        }, iter: 300);
    }

    [Fact]
    public void On_a_damaged_line_the_fast_reader_either_declines_or_reads_what_the_full_parser_reads()
    {
        var reader = new UsageRecordJsonReader();
        var damaged =
            from record in RecordGenerators.Record
            from at in Gen.Double[0, 1]
            from cut in Gen.Int[0, 6]
            from insertion in Gen.OneOf(Insertions.Select(Gen.Const).ToArray())
            select (Line(record), at, cut, insertion);
        damaged.Sample(sample =>
        {
            var (original, at, cut, insertion) = sample;
            var position = (int)(at * original.Length);
            var line = original[..position].Concat(Encoding.UTF8.GetBytes(insertion)).Concat(original[Math.Min(original.Length, position + cut)..]).ToArray();
            if (!System.Text.Unicode.Utf8.IsValid(line))
            {
                return; // the file reader refuses such a line before either parser sees it
            }

            UsageRecord? full = null;
            string? error = null;
            try
            {
                full = UsageRecordJson.Parse(line);
            }
            catch (FormatException ex)
            {
                error = ex.Message;
            }

            var fast = reader.TryParse(line);
            if (fast is not null)
            {
                Assert.True(full is not null, $"the fast reader took a line the full parser refuses ({error}): {Encoding.UTF8.GetString(line)}");
                DeepAssert.Equal(full, fast);
            }
        }, iter: 2_000);
    }

    [Fact]
    public void Interned_strings_are_shared_and_stay_right_after_the_table_starts_over()
    {
        var interner = new Utf8StringInterner();
        Assert.Same(interner.Get("project-a"u8), interner.Get("project-a"u8));
        for (var i = 0; i < 50_000; i++)
        {
            var text = "value-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(text, interner.Get(Encoding.UTF8.GetBytes(text)));
        }

        Assert.Equal("project-a", interner.Get("project-a"u8));
        var long1 = new string('x', Utf8StringInterner.MaxValueBytes + 1);
        Assert.Equal(long1, interner.Get(Encoding.UTF8.GetBytes(long1)));
    }
}
