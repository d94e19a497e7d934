using System.Text;
using System.Text.Json;
using TokenTrace.Reports;

namespace TokenTrace.Reports.Tests;

public sealed class UsageSummaryJsonTests
{
    // 9,001 rows: four full blocks of 2,048 rows and a short fifth, so rounds of two and of three blocks both end short.
    private const int ManyRows = 9_001;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_large_summary_is_written_byte_for_byte_as_a_writer_writes_each_row_in_turn(int cores)
    {
        var summary = Summary(["session"], i => [Value(i)]);

        Assert.Equal(Reference(summary), Written(summary, cores));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Two_dimensions_with_nulls_and_characters_to_escape_come_out_the_same(int cores)
    {
        var summary = Summary(["day", "tag:équipe \"a\""], i => [i % 3 == 0 ? null : "2026-01-" + (1 + (i % 28)).ToString("00", System.Globalization.CultureInfo.InvariantCulture), Value(i)]);

        Assert.Equal(Reference(summary), Written(summary, cores));
    }

    [Fact]
    public void A_small_summary_and_an_empty_one_are_written_as_before()
    {
        var small = Summary(["project"], i => [Value(i)], rows: 3);
        var empty = Summary(["project"], i => [Value(i)], rows: 0);

        Assert.Equal(Reference(small), Written(small, 2));
        Assert.Equal(Reference(empty), Written(empty, 2));
        Assert.Contains("\"rows\": []", Written(empty, 2), StringComparison.Ordinal);
    }

    [Fact]
    public void A_large_summary_inside_a_report_keeps_the_reports_indentation_on_every_core_count()
    {
        var summary = Summary(["project"], i => [Value(i)]);

        Assert.Equal(Nested(summary, 1), Nested(summary, 3));
        Assert.Contains("\n      {\n        \"key\": {", Nested(summary, 3), StringComparison.Ordinal);
    }

    // A report's summary is a property of the report's object (byProject), one level deeper than a summary's own JSON.
    private static string Nested(UsageSummary summary, int cores)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, UsageSummaryJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("byProject");
            UsageSummaryJson.Write(writer, summary, cores);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    // Values with quotes, control characters, non-ASCII text and nulls, each distinct.
    private static string? Value(int i) => (i % 7) switch
    {
        0 => null,
        1 => "sess\"ion-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        2 => "séance\t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "s-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static UsageSummary Summary(string[] dimensions, Func<int, string?[]> keyOf, int rows = ManyRows)
    {
        var builder = new UsageSummaryBuilder([.. dimensions.Select(SummaryDimension.Parse)], TimeZoneInfo.Utc);
        for (var i = 0; i < rows; i++)
        {
            // Costs with 12 decimals, some groups unpriced, estimates on two of three.
            var estimated = i % 3 == 0 ? 0 : 1;
            builder.Add(keyOf(i), UsageTotals.FromSums(
                1 + (i % 5), i, 2 * i, 3, 4, 5, 6, (i % 11) * 0.000123456789012m, i % 4 == 0 ? 1 : 0, estimated,
                new EstimateRange(i * 0.1, i * 0.2 / 3, i * 0.7), new EstimateRange(i / 7.0, i / 3.0, 1e-9 * i)));
        }

        return builder.Build();
    }

    private static string Written(UsageSummary summary, int cores)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, UsageSummaryJson.WriterOptions))
        {
            UsageSummaryJson.Write(writer, summary, cores);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    // What the writer wrote before rows were rendered in blocks: one writer, every row in turn, names given as text.
    private static string Reference(UsageSummary summary)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, UsageSummaryJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("rows");
            foreach (var row in summary.Rows)
            {
                writer.WriteStartObject();
                writer.WriteStartObject("key");
                foreach (var (name, value) in row.Key)
                {
                    writer.WriteString(name, value);
                }

                writer.WriteEndObject();
                UsageSummaryJson.WriteTotals(writer, row.Totals);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartObject("total");
            UsageSummaryJson.WriteTotals(writer, summary.Total);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
