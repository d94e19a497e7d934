using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CsCheck;
using Microsoft.Data.Sqlite;
using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary>
/// Issue 9 as a property: any command with up to four of its own options, each given a hostile value, exits 0, 2 (with
/// "error:") or 3 (<c>budget check</c> only), never 1, never prints a stack trace, and never changes the stored record.
/// Every path the generator can produce lies inside the sample's temp home (the tests may run as root): absolute
/// paths start with <c>{home}</c>, relative ones resolve against it (the working folder), and <c>~</c> is it too.
/// </summary>
public sealed partial class CliArgumentFuzzTests
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(30);

    /// <summary>Values no option should take quietly; every one is safe as a path (see the class comment).</summary>
    private static readonly string[] Hostile =
    [
        "9223372036854775807", "4611686018427387904", "-1", "-0", "1e308", "79228162514264337593543950335", "NaN", "Infinity",
        "-Infinity", "1,5", "0x10", "٣", "３", "2026-13-45", "0000-00-00", "yesterday", "@/etc/hostname", "@rsp.txt", "${HOME}",
        "a\nb", "a\tb", "\n", new string('a', 10_000), "", " ", "-", "--", "\u202Ertl", "😀", "sqlite:{home}/x.db", "jsonl:{home}/j",
        "csv:{home}/c", "bogus:x", "postgres://127.0.0.1:1/x",
    ];

    private static readonly string[] Counts = ["0", "1", "1200", "1000000000"];
    private static readonly string[] Texts = ["docs", "keep-me", "a b", "gpt-4o"];
    private static readonly string[] Models = ["gpt-4o", "claude-sonnet-4-5", "unknown-model"];
    private static readonly string[] Times = ["2026-01-01", "20260101", "2026-01-01T12:00:00Z", "2026-01-01T12:00:00+14:00"];
    private static readonly string[] Pairs = ["project=docs", "tag:x=y", "model=gpt-4o", "=", "k=", "=v", "nokey"];
    private static readonly string[] Names = ["cap", "monthly-cap", "nope", "a/b", "."];

    private static readonly string[] Ledgers =
    [
        "sqlite:{home}/x.db", "{home}/y.db", "jsonl:{home}/j", "csv:{home}/c", "sqlite:{home}/usage.db", "~/z.db", "sqlite:{home}",
        "sqlite:{home}/prices.json", "jsonl:{home}/usage.db", "csv:{home}/usage.db", "csv:{home}", "csv:{home}/records.csv",
        "csv:{home}/records.jsonl", "jsonl:{home}/usage.db/x", "bogus:x", "postgres://127.0.0.1:1/x",
    ];

    private static readonly string[] Configs = ["{home}/cfg.yaml", "{home}/bad.yaml", "{home}/missing.yaml", "{home}", "{home}/usage.db", "{home}/prices.json"];
    private static readonly string[] Outputs = ["{home}/out.txt", "{home}/usage.db", "{home}", "{home}/no-such-folder/x", "{home}/prices.json"];
    private static readonly string[] Inputs = ["{home}/records.jsonl", "{home}/records.csv", "{home}/prices.json", "{home}/usage.db", "{home}", "{home}/missing.jsonl", "{home}/cfg.yaml"];

    /// <summary>Options every command takes (recursive on the root command).</summary>
    private static readonly Option[] Global =
    [
        new("--ledger", Ledgers), new("--config", Configs), new("--format", ["table", "json", "csv", "markdown", "html"]),
        new("--since", Times), new("--until", Times), new("--tz", ["UTC", "Europe/Paris", "Etc/GMT+12"]), Option.Flag("--quiet"),
    ];

    private static readonly Option[] Filters =
    [
        new("--model", Models), new("--provider", ["openai", "anthropic"]), new("--project", Texts), new("--job", Texts),
        new("--task", Texts), new("--agent", Texts), new("--session", Texts), new("--user", Texts),
        new("--source", ["cli", "sdk", "claude-code"]), new("--tag", Pairs),
    ];

    private static readonly Option[] Dimensions = [new("--by", ["model", "day", "hour", "tag:x", "tag:", "model,project", "nope"])];

    /// <summary>Every leaf command: its path, what it requires (drawn mostly valid, so samples get past the parser), its options.</summary>
    private static readonly Shape[] Commands =
    [
        new(["record"], [new("--model", Models)],
        [
            new("--provider", ["openai"]), new("--input", Counts), new("--output", Counts), new("--cache-read", Counts),
            new("--cache-write", Counts), new("--cache-write-1h", Counts), new("--reasoning", Counts), new("--project", Texts),
            new("--job", Texts), new("--task", Texts), new("--agent", Texts), new("--session", Texts), new("--user", Texts),
            new("--tag", Pairs), new("--at", Times), new("--id", ["keep-me", "new-id"]), new("--region", ["eu-north-1", "FR", "xx"]),
            new("--service-tier", ["batch", "flex", "priority", "standard"]),
        ]),
        new(["summary"], [], [.. Dimensions, .. Filters]),
        new(["by-job"], [Option.Positional(Texts)], []),
        new(["prices", "list"], [], [new("--provider", ["openai", "anthropic"]), new("--search", ["sonnet", "gpt"])]),
        new(["prices", "show"], [Option.Positional(Models)], [new("--provider", ["openai", "anthropic"]), new("--at", Times)]),
        new(["prices", "import"], [Option.Positional(["{home}/prices.json", .. Inputs, "https://127.0.0.1:1/p.json", "http://127.0.0.1:1/p.json"])],
            [new("--name", ["litellm", "team", "a/b", ".", "{home}/layer"]), Option.Flag("--allow-insecure-http")]),
        new(["reprice"], [], [Option.Flag("--dry-run"), .. Filters]),
        new(["export"], [new("--to", ["jsonl", "csv"])], [new("--output", Outputs), new("-o", Outputs), .. Filters]),
        new(["import"], [Option.Positional(Inputs)], [Option.Flag("--skip-invalid")]),
        new(["budget", "set"], [Option.Positional(Names), new("--limit", ["1", "0.5", "1000"]), new("--period", ["daily", "weekly", "monthly", "total", "7d", "0d"])],
        [
            new("--unit", ["usd", "tokens", "gco2e"]), new("--scope", Pairs), new("--alert-at", ["50,80,100", "0", "100000", ",", "50,,80"]),
            Option.Flag("--hard"),
        ]),
        new(["budget", "status"], [], []),
        new(["budget", "check"], [], []),
        new(["budget", "remove"], [Option.Positional(Names)], []),
        new(["trend"], [], [new("--by", ["hour", "day", "week", "month"]), .. Filters]),
        new(["forecast"], [], [new("--budget", Names), new("--period", ["daily", "weekly", "monthly", "7d", "0d"]), .. Filters]),
        new(["report"], [], [new("--days", ["1", "30", "3650"]), new("-o", Outputs), new("--at", Times), .. Filters]),
        new(["carbon"], [],
        [
            .. Dimensions, Option.Flag("--regions"), new("--explain", Models), new("--input", Counts), new("--output", Counts),
            new("--cache-read", Counts), new("--region", ["eu-north-1", "FR", "xx"]), .. Filters,
        ]),
        new(["doctor"], [], [Option.Flag("--repair")]),
        new(["rotate"], [], []),
    ];

    /// <summary>Arguments with <c>{home}</c> standing for the sample's temp home.</summary>
    private static readonly Gen<string[]> Arguments =
        from command in Gen.OneOf(Commands)
        from required in command.Required.Aggregate(Gen.Const<string[]>([]), (before, option) => from a in before from b in option.Generate(hostileShare: 1) select (string[])[.. a, .. b])
        from options in Gen.OneOf<string[]>([.. command.Options.Concat(Global).Select(o => (IGen<string[]>)o.Generate(hostileShare: 3))]).Array[0, 4]
        select (string[])[.. command.Path, .. required, .. options.SelectMany(a => a)];

    [GeneratedRegex(@"^\s+at [\w.`<>\[\]]+\.[\w<>`]+\(", RegexOptions.Multiline)]
    private static partial Regex StackFrame();

    /// <summary>An absolute path that is not the home (a URL's "//" is not a path).</summary>
    [GeneratedRegex(@"(^|:)(?!//)/")]
    private static partial Regex AbsolutePath();

    [Fact]
    public async Task Any_hostile_arguments_exit_0_2_or_3_with_a_message_and_leave_the_stored_record_as_it_was()
    {
        using var template = new TempDirectory();
        await SeedAsync(template.Path);
        var (seededCount, keepMe) = await ReadLedgerAsync(template.Path);
        Assert.Equal(1, seededCount);

        await Arguments.SampleAsync(async args =>
        {
            using var home = new TempDirectory();
            CopyFolder(template.Path, home.Path);
            var resolved = args.Select(a => a.Replace("{home}", home.Path, StringComparison.Ordinal)).ToArray();
            foreach (var arg in resolved)
            {
                foreach (Match m in AbsolutePath().Matches(arg))
                {
                    Assert.True(arg.AsSpan(m.Index + m.Length - 1).StartsWith(home.Path, StringComparison.Ordinal), $"the generator made a path outside the temp home: {arg}");
                }
            }

            var (exitCode, output, error) = await CliRunner.RunAsync(home.Path, SampleEnvironment(home.Path), RunLimit, resolved);
            var said = $"exit {exitCode}\nstdout: {Shorten(output, 2000)}\nstderr: {Shorten(error, 2000)}";
            var budgetCheck = args is ["budget", "check", ..];
            Assert.True(exitCode is 0 or 2 || (exitCode == 3 && budgetCheck), said);
            Assert.DoesNotContain("unexpected error", output + error, StringComparison.OrdinalIgnoreCase);
            Assert.False(StackFrame().IsMatch(error) || StackFrame().IsMatch(output), said);
            Assert.True(exitCode != 2 || error.Contains("error:", StringComparison.Ordinal), said);

            var (count, stored) = await ReadLedgerAsync(home.Path);
            Assert.True(stored == keepMe, $"the stored record changed:\n{keepMe}\n{stored}\n{said}");
            var mayAdd = exitCode == 0 && args is ["record", ..] or ["import", ..];
            Assert.True(count == seededCount || (mayAdd && count == seededCount + 1), $"{count} records stored after it, {seededCount} before\n{said}");
        }, threads: 2, print: Print);
    }

    /// <summary>
    /// The home every sample starts from (copied, which is faster than recording): one record, one budget, and files for
    /// options to point at.
    /// </summary>
    private static async Task SeedAsync(string home)
    {
        async Task<string> Run(params string[] args)
        {
            var (exitCode, output, error) = await CliRunner.RunAsync(home, SampleEnvironment(home), RunLimit, args);
            Assert.True(exitCode == 0, error);
            return output;
        }

        await Run("record", "--model", "gpt-4o", "--input", "100", "--id", "keep-me");
        await Run("budget", "set", "monthly-cap", "--limit", "1000", "--period", "monthly");
        await File.WriteAllTextAsync(Path.Combine(home, "records.jsonl"), (await Run("export", "--to", "jsonl")).Replace("keep-me", "imported", StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(home, "records.csv"), (await Run("export", "--to", "csv")).Replace("keep-me", "imported", StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(home, "prices.json"), """{"m1":{"input_cost_per_token":1e-6,"output_cost_per_token":2e-6}}""");
        await File.WriteAllTextAsync(Path.Combine(home, "rsp.txt"), "--input 5\n");

        // A valid config with a hard budget the stored record exhausts (so `budget check` can exit 3), and a hostile one.
        await File.WriteAllTextAsync(Path.Combine(home, "cfg.yaml"), """
            region: ${TT_REGION:-eu-north-1}
            files: { compressAfterDays: 7, retentionDays: 400 }
            budgets:
              - name: tiny
                limit: 0.000001
                period: total
                mode: hard
            """);
        await File.WriteAllTextAsync(Path.Combine(home, "bad.yaml"), """
            files: { compressAfterDays: -1, retentionDays: 9223372036854775807, maxFileBytes: 1e308 }
            budgets:
              - name: nan
                limit: NaN
                period: 0d
            """);
    }

    /// <summary>The number of records in the home's default ledger and the stored form of keep-me, read in this process.</summary>
    private static async Task<(long Count, string? KeepMe)> ReadLedgerAsync(string home)
    {
        long count = 0;
        string? keepMe = null;
        var ledger = new UsageLedgerFactory().AddSqlite().Open("sqlite:" + Path.Combine(home, "usage.db"));
        await using (ledger)
        {
            await foreach (var record in ledger.ReadAsync(UsageQuery.All))
            {
                count++;
                if (record.Id == "keep-me")
                {
                    var line = new ArrayBufferWriter<byte>();
                    UsageRecordJson.WriteLine(line, record);
                    keepMe = Encoding.UTF8.GetString(line.WrittenSpan);
                }
            }
        }

        SqliteConnection.ClearAllPools();
        return (count, keepMe);
    }

    /// <summary>Everything the CLI could reach through the environment points into the home too.</summary>
    private static Dictionary<string, string?> SampleEnvironment(string home) => new()
    {
        ["HOME"] = home,
        ["XDG_DATA_HOME"] = null,
        ["XDG_CONFIG_HOME"] = null,
        ["TT_REGION"] = null,
        ["TOKENTRACE_REGION"] = null,
        ["TOKENTRACE_DEBUG"] = null,
    };

    private static void CopyFolder(string from, string to)
    {
        foreach (var folder in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, folder)));
        }

        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    private static string Print(string[] args) => "tokentrace " + string.Join(' ', args.Select(a => JsonSerializer.Serialize(Shorten(a, 40))));

    private static string Shorten(string text, int length) => text.Length <= length ? text : $"{text[..length]}…({text.Length} chars)";

    /// <summary>A command: its path, what it requires, and the options it takes besides the global ones.</summary>
    private sealed record Shape(string[] Path, Option[] Required, Option[] Options);

    /// <summary>An option (or a positional argument, with no name) and the valid values it takes; a flag takes none.</summary>
    private sealed record Option(string? Name, string[]? Valid)
    {
        public static Option Flag(string name) => new(name, null);

        public static Option Positional(string[] valid) => new(null, valid);

        /// <summary>The option's tokens; its value is hostile <paramref name="hostileShare"/> times in five.</summary>
        public Gen<string[]> Generate(int hostileShare) => Valid is null
            ? Gen.Const<string[]>([Name!])
            : Gen.Frequency((5 - hostileShare, Gen.OneOf(Valid)), (hostileShare, Gen.OneOf(Hostile)))
                .Select(value => Name is null ? (string[])[value] : [Name, value]);
    }
}
