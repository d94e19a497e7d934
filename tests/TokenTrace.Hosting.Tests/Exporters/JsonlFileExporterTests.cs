using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace TokenTrace.Hosting.Tests.Exporters;

public sealed class JsonlFileExporterTests
{
    private static UsageRecord Record(string id) => new()
    {
        Id = id,
        Timestamp = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero),
        Model = "claude-sonnet-4-5",
        Provider = "anthropic",
        Tokens = new TokenCounts { Input = 1000, Output = 200 },
        CostUsd = 0.006m,
        Attribution = new Attribution { Job = "nightly", Tags = new Dictionary<string, string> { ["line"] = "a\nb" } },
    };

    private static JsonlFileExporterOptions Options(string path) => new()
    {
        Path = path,
        Batching = new ExportBatching { BatchSize = 50, Interval = TimeSpan.FromHours(1) },
    };

    [Fact]
    public async Task Two_writers_appending_to_one_file_at_once_leave_every_record_as_one_whole_line()
    {
        using var temp = new TempDirectory();
        var path = temp.File("out/usage.jsonl");
        var first = new JsonlFileExporter(Options(path));
        var second = new JsonlFileExporter(Options(path));
        await using (first)
        await using (second)
        {
            using var start = new Barrier(2);
            void Write(JsonlFileExporter exporter, string prefix)
            {
                start.SignalAndWait();
                for (var i = 0; i < 2000; i++)
                {
                    exporter.Emit(Record(prefix + i.ToString(CultureInfo.InvariantCulture)));
                }
            }

            await Task.WhenAll(Task.Run(() => Write(first, "a-")), Task.Run(() => Write(second, "b-")));
            await Task.WhenAll(first.FlushAsync(), second.FlushAsync()).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(2000, first.Statistics.Delivered);
            Assert.Equal(2000, second.Statistics.Delivered);
        }

        // 2 writers x 2000 records, batches of 50: 4000 lines, each a whole record, each id once.
        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(4000, lines.Length);
        var records = lines.Select(l => UsageRecordJson.Parse(Encoding.UTF8.GetBytes(l))).ToList();
        Assert.Equal(4000, records.Select(r => r.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.All(records, r => Assert.Equal(0.006m, r.CostUsd));
        Assert.All(records, r => Assert.Equal("a\nb", r.Attribution.Tags["line"]));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(temp.File("out")));
        }
    }

    [Fact]
    public async Task A_file_ending_in_a_torn_line_gets_a_newline_first_so_only_the_torn_line_is_lost()
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.jsonl");
        await File.WriteAllTextAsync(path, "{\"id\":\"whole\",\"timestamp\":\"2026-12-07T09:00:00Z\",\"model\":\"m\"}\n{\"id\":\"torn\",\"times");
        await using (var exporter = new JsonlFileExporter(Options(path)))
        {
            exporter.Emit(Record("after"));
            await exporter.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(3, lines.Length);
        Assert.Equal("{\"id\":\"torn\",\"times", lines[1]);
        Assert.Equal("after", UsageRecordJson.Parse(Encoding.UTF8.GetBytes(lines[2])).Id);
    }

    [Fact]
    public async Task An_unwritable_path_counts_the_failed_records_and_never_throws_to_the_caller()
    {
        using var temp = new TempDirectory();
        var blocker = temp.File("a-file");
        await File.WriteAllTextAsync(blocker, "not a folder");
        await using var exporter = new JsonlFileExporter(Options(Path.Combine(blocker, "usage.jsonl")));

        exporter.Emit(Record("1"));
        exporter.Emit(Record("2"));
        await exporter.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, exporter.Statistics.Failed);
        Assert.Equal(1, exporter.Statistics.FailedBatches);
        Assert.Equal(0, exporter.Statistics.Delivered);
    }

    [Fact]
    public async Task Outcomes_are_counted_on_the_TokenTrace_meter_by_exporter_and_outcome()
    {
        using var temp = new TempDirectory();
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var collector = new MetricCollector<long>(meters, UsageTelemetry.MeterName, "tokentrace.export.records");
        var good = new JsonlFileExporter(Options(temp.File("good.jsonl")), meterFactory: meters);
        var bad = new JsonlFileExporter(Options(temp.File("good.jsonl/cannot-be-under-a-file.jsonl")), meterFactory: meters);
        await using (good)
        await using (bad)
        {
            good.Emit(Record("g1"));
            good.Emit(Record("g2"));
            good.Emit(Record("g3"));
            await good.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
            bad.Emit(Record("b1"));
            await bad.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        // 3 written by one exporter, 1 failed by the other: one instrument, told apart by tags.
        long Sum(string outcome) => collector.GetMeasurementSnapshot()
            .Where(m => m.Tags["tokentrace.exporter"] as string == "jsonl" && m.Tags["tokentrace.export.outcome"] as string == outcome).Sum(m => m.Value);
        Assert.Equal(3, Sum("delivered"));
        Assert.Equal(1, Sum("failed"));
        Assert.Equal(0, Sum("dropped"));
    }

    [Fact]
    public void Bad_options_are_refused_naming_the_option()
    {
        using var temp = new TempDirectory();
        Assert.Contains("Path", Assert.Throws<ArgumentException>(() => new JsonlFileExporter(new JsonlFileExporterOptions())).Message, StringComparison.Ordinal);
        Assert.Contains("is a folder", Assert.Throws<ArgumentException>(() => new JsonlFileExporter(new JsonlFileExporterOptions { Path = temp.Path })).Message, StringComparison.Ordinal);
        Assert.Equal("BatchSize", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new JsonlFileExporter(new JsonlFileExporterOptions { Path = temp.File("x"), Batching = new ExportBatching { BatchSize = 0 } })).ParamName);
    }
}
