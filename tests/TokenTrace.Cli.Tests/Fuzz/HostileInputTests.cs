using System.Text.Json;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary>
/// Issue 9, items 3, 7 and 8: hostile files and arguments get exit 2 with a message naming the file (and line and
/// field where there is one), never exit 1 or a signal, and never change a stored record.
/// </summary>
public sealed class HostileInputTests(HostileInputTests.OneKeptRecord seeded) : IClassFixture<HostileInputTests.OneKeptRecord>
{
    /// <summary>The home most tests start from: one gpt-4o record with id keep-me, recorded by the CLI once for the class.</summary>
    public sealed class OneKeptRecord : SeededHome
    {
        protected override IEnumerable<string[]> Seed => [["record", "--model", "gpt-4o", "--input", "100", "--id", "keep-me"]];
    }

    private static readonly string Corpus = Path.Combine(AppContext.BaseDirectory, "Fuzz", "Corpus");

    public static TheoryData<string> ImportFiles() => [.. Directory.GetFiles(Path.Combine(Corpus, "import")).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal)];

    public static TheoryData<string> PriceFiles() => [.. Directory.GetFiles(Path.Combine(Corpus, "prices")).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal)];

    private static readonly Dictionary<string, string?> Wide = new() { ["COLUMNS"] = "10000" };

    private static Task<(int ExitCode, string Out, string Error)> Run(string home, params string[] args) => CliRunner.RunAsync(home, Wide, args);

    private static async Task<long> StoredRecordsAsync(string home)
    {
        var summary = await Run(home, "summary", "--format", "json");
        Assert.Equal(0, summary.ExitCode);
        return JsonDocument.Parse(summary.Out).RootElement.GetProperty("total").GetProperty("records").GetInt64();
    }

    /// <summary>Corpus files that hold valid records beside the damage (read by eye): --skip-invalid stores exactly these.</summary>
    private static readonly Dictionary<string, int> GoodLinesBesideTheDamage = new(StringComparer.Ordinal)
    {
        ["invalid-utf8.jsonl"] = 1, // line 1 ("a") is valid; line 2 has invalid UTF-8 in the model
        ["truncated-last.jsonl"] = 1, // line 1 ("t1") is whole; line 2 stops mid-record
    };

    [Theory]
    [MemberData(nameof(ImportFiles))]
    public async Task Every_corpus_import_file_exits_0_or_2_naming_the_file_and_a_refused_one_stores_nothing(string name)
    {
        using var home = seeded.Copy();
        var file = Path.Combine(Corpus, "import", name);
        var result = await Run(home.Path, "import", file);
        Assert.True(result.ExitCode is 0 or 2, $"{name}: exit {result.ExitCode}: {result.Error}");
        if (name == "empty.jsonl")
        {
            Assert.Equal(0, result.ExitCode);
        }
        else
        {
            Assert.Equal(2, result.ExitCode);
            Assert.Contains(file, result.Error, StringComparison.Ordinal);
        }

        Assert.Equal(1, await StoredRecordsAsync(home.Path));

        // With --skip-invalid a bad line is a counted skip; a file that cannot be read on is still exit 2.
        var skipping = await Run(home.Path, "import", file, "--skip-invalid");
        Assert.True(skipping.ExitCode is 0 or 2, $"{name} --skip-invalid: exit {skipping.ExitCode}: {skipping.Error}");
        Assert.Equal(1 + GoodLinesBesideTheDamage.GetValueOrDefault(name), await StoredRecordsAsync(home.Path));
    }

    [Theory]
    [InlineData("duplicate-field.jsonl", ":1: field 'input': given twice")]
    [InlineData("duplicate-column.csv", ":1: field 'input': the header row names this column twice")]
    [InlineData("invalid-utf8.jsonl", ":2: not valid UTF-8")]
    [InlineData("invalid-utf8.csv", ":3: not valid UTF-8")]
    [InlineData("not-gzip.jsonl.gz", "not a readable gzip file")]
    [InlineData("truncated.jsonl.gz", "corrupt or truncated gzip file")]
    [InlineData("corrupt.jsonl.gz", "gzip")]
    [InlineData("bomb-newlines.jsonl.gz", "gzip bomb")]
    [InlineData("bomb-zeros.jsonl.gz", "a line longer than")]
    [InlineData("overflow-count.jsonl", ":1: input: 9223372036854775807 is above the limit of 1000000000")]
    [InlineData("overflow-pair.jsonl", "output: 4611686018427387904 is above the limit")]
    [InlineData("above-bound.jsonl", "input: 1000000001 is above the limit")]
    [InlineData("above-bound-extra.jsonl", "extra.web_search_requests: 1000000001 is above the limit")]
    [InlineData("cost-too-high.jsonl", "costUsd: 10000000000000000000000000000 is outside 0..5000")]
    public async Task An_import_file_is_refused_with_the_line_and_field(string name, string message)
    {
        using var home = seeded.Copy();
        var result = await Run(home.Path, "import", Path.Combine(Corpus, "import", name));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(1, await StoredRecordsAsync(home.Path));
    }

    [Theory]
    [MemberData(nameof(PriceFiles))]
    public async Task Every_corpus_price_file_exits_2_naming_the_file_and_imports_nothing(string name)
    {
        using var home = new TempDirectory();
        var file = Path.Combine(Corpus, "prices", name);
        var result = await Run(home.Path, "prices", "import", file);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(file, result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(home.File(Path.Combine("prices", "litellm.json"))));
    }

    [Fact]
    public async Task A_catalogue_with_some_bad_entries_imports_the_good_ones_and_names_each_bad_one()
    {
        using var home = new TempDirectory();
        var file = home.File("mixed.json");
        await File.WriteAllTextAsync(file, """{"good-model":{"input_cost_per_token":1e-6,"output_cost_per_token":2e-6},"per-thousand":{"input_cost_per_token":0.5,"output_cost_per_token":2e-6},"negative":{"input_cost_per_token":-1e-6,"output_cost_per_token":2e-6}}""");
        var result = await Run(home.Path, "prices", "import", file);
        Assert.Equal(0, result.ExitCode);
        var error = result.Error.ReplaceLineEndings(" ");
        Assert.Contains($"{file}: entry 'per-thousand': input: 0.5 USD per token is outside 0..0.01", error, StringComparison.Ordinal);
        Assert.Contains($"{file}: entry 'negative':", error, StringComparison.Ordinal);
        Assert.Contains("2 invalid skipped", result.Out + result.Error, StringComparison.Ordinal);

        var good = await Run(home.Path, "prices", "show", "good-model", "--format", "json");
        Assert.Equal(0, good.ExitCode);
        Assert.Equal(2, (await Run(home.Path, "prices", "show", "per-thousand")).ExitCode); // left out, not loaded at $0.5 per token
    }

    [Theory]
    [InlineData("price-1e28.json", "entry 'm1': input: 10000000000000000000000000000 USD per token is outside 0..0.01")]
    [InlineData("price-decimal-max.json", "79228162514264337593543950335 USD per token is outside")]
    [InlineData("absurd-threshold.json", "input_cost_per_token_above_99999999999999999999999k_tokens: the threshold is above the limit")]
    [InlineData("invalid-utf8-key.json", "line 1: not valid UTF-8")]
    public async Task A_price_file_is_refused_with_the_entry_and_field(string name, string message)
    {
        using var home = new TempDirectory();
        var result = await Run(home.Path, "prices", "import", Path.Combine(Corpus, "prices", name));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--input: 4611686018427387904 is above the limit", "record", "--model", "gpt-4o", "--input", "4611686018427387904", "--output", "4611686018427387904")]
    [InlineData("--input: 9223372036854775807 is above the limit", "record", "--model", "gpt-4o", "--input", "9223372036854775807")]
    [InlineData("-o: cannot write '{home}/no-such-folder/x'", "export", "--to", "jsonl", "-o", "{home}/no-such-folder/x")]
    [InlineData("-o: cannot write '{home}/no-such-folder/x'", "report", "--format", "html", "-o", "{home}/no-such-folder/x")]
    [InlineData("--days: -1 is not a number of days", "report", "--days", "-1")]
    [InlineData("--days: 0 is not a number of days", "report", "--days", "0")]
    [InlineData("--budget: no budget named 'nope'", "forecast", "--budget", "nope")]
    [InlineData("/tmp: is a folder, not a SQLite database", "summary", "--ledger", "sqlite:/tmp")]
    [InlineData("/dev/null: is empty (0 bytes), not a SQLite database", "summary", "--ledger", "sqlite:/dev/null")]
    // Found by CliArgumentFuzzTests: an output path that is the ledger truncated it (exit 1, every record gone); a csv: or
    // jsonl: spec naming the SQLite ledger read it as damaged lines, which doctor --repair moved out and record appended to.
    [InlineData("-o: '{home}/usage.db' is the ledger (sqlite:{home}/usage.db)", "export", "--to", "jsonl", "-o", "{home}/usage.db")]
    [InlineData("-o: '{home}/usage.db-wal' is the ledger", "export", "--to", "csv", "-o", "{home}/usage.db-wal")]
    [InlineData("-o: '{home}/usage.db' is the ledger", "report", "--format", "html", "-o", "{home}/usage.db")]
    [InlineData("-o: '{home}/x' is the ledger (jsonl:{home})", "export", "--to", "jsonl", "-o", "{home}/x", "--ledger", "jsonl:{home}")]
    [InlineData("ledger 'jsonl:{home}/j': {home}/j does not exist; nothing was created", "export", "--to", "jsonl", "-o", "{home}/j/x", "--ledger", "jsonl:{home}/j")]
    [InlineData("{home}/usage.db: is a SQLite database, not a csv: ledger", "doctor", "--repair", "--ledger", "csv:{home}/usage.db")]
    [InlineData("{home}/usage.db: is a SQLite database, not a csv: ledger", "record", "--model", "gpt-4o", "--input", "1", "--ledger", "csv:{home}/usage.db")]
    [InlineData("{home}/usage.db: is a SQLite database, not a csv: ledger", "rotate", "--ledger", "csv:{home}/usage.db")]
    [InlineData("{home}/usage.db: is a file, not a folder: a jsonl: ledger", "record", "--model", "gpt-4o", "--input", "1", "--ledger", "jsonl:{home}/usage.db")]
    [InlineData("{home}/usage.db: is a file, not a folder: a jsonl: ledger", "doctor", "--ledger", "jsonl:{home}/usage.db")]
    [InlineData("{home}: is a folder, not a file: a csv: ledger", "record", "--model", "gpt-4o", "--input", "1", "--ledger", "csv:{home}")]
    [InlineData("{home}/usage.db: is a file, so the jsonl: ledger {home}/usage.db/x cannot be under it", "record", "--model", "gpt-4o", "--input", "1", "--ledger", "jsonl:{home}/usage.db/x")]
    [InlineData("{home}/usage.db/x: the ledger's folder cannot be created", "report", "--ledger", "jsonl:{home}/usage.db/x")]
    [InlineData("{home}/usage.db: the ledger's folder cannot be created", "budget", "remove", "monthly-cap", "--until", "2026-01-01T12:00:00Z", "--quiet", "--ledger", "jsonl:{home}/usage.db")]
    [InlineData("budget 'huge': limit must be more than 0 and at most", "budget", "set", "huge", "--limit", "50000000000000000000000000000", "--period", "monthly")]
    [InlineData("error: no price for 'unknown-model'", "prices", "show", "unknown-model")]
    [InlineData("error: no price for 'unknown-model'", "prices", "show", "unknown-model", "--format", "json")]
    [InlineData("--name: 'aaaaaaaa", "prices", "import", "prices.json", "--name", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task A_hostile_argument_exits_2_with_a_message_and_changes_nothing(string message, params string[] args)
    {
        using var home = seeded.Copy();
        await File.WriteAllTextAsync(home.File("prices.json"), """{"m1":{"input_cost_per_token":1e-6,"output_cost_per_token":2e-6}}""");

        // "{home}" stands for the temp home: a folder that surely does not exist (a fixed one such as /nonexistent may,
        // on a CI machine where the tests run as root).
        var result = await Run(home.Path, [.. args.Select(a => a.Replace("{home}", home.Path, StringComparison.Ordinal))]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message.Replace("{home}", home.Path, StringComparison.Ordinal), result.Error.ReplaceLineEndings(" "), StringComparison.Ordinal);
        Assert.False(Directory.Exists(home.File("no-such-folder")), "an output path's missing folder was created");
        Assert.Equal(1, await StoredRecordsAsync(home.Path));
        Assert.False(File.Exists(home.File("usage.db.rejected")), "the SQLite ledger was read as damaged lines of another kind of ledger");
    }

    [Fact]
    public async Task A_report_on_a_new_jsonl_ledger_does_not_wait_for_a_lock_whose_folder_is_missing()
    {
        // Found by CliArgumentFuzzTests: the missing folder was retried as a held lock for 30 s, then exit 1. A read
        // command now refuses a missing ledger outright (exit 2, nothing created), and must still do so at once.
        using var home = new TempDirectory();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = await Run(home.Path, "report", "--ledger", "jsonl:" + home.File("new"));
        Assert.True(result.ExitCode == 2, result.Error);
        Assert.False(Directory.Exists(home.File("new")));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task A_zero_length_usage_db_is_an_error_naming_it_never_an_empty_ledger()
    {
        using var home = seeded.Copy();
        Assert.Equal(0, (await Run(home.Path, "budget", "set", "cap", "--limit", "0.000001", "--period", "total", "--hard")).ExitCode);
        Assert.Equal(3, (await Run(home.Path, "budget", "check")).ExitCode);

        var db = home.File("usage.db");
        await File.WriteAllBytesAsync(db, []);
        foreach (var args in new[] { new[] { "budget", "check" }, ["summary"], ["record", "--model", "gpt-4o", "--input", "1"], ["doctor"] })
        {
            var result = await Run(home.Path, args);
            Assert.True(result.ExitCode == 2, $"{string.Join(' ', args)}: exit {result.ExitCode}: {result.Error}");
            var said = result.Error + result.Out; // doctor reports problems in its report on stdout
            Assert.Contains(db, said, StringComparison.Ordinal);
            Assert.Contains("is empty (0 bytes)", said, StringComparison.Ordinal);
        }

        Assert.Equal(0, new FileInfo(db).Length);
    }

    [Fact]
    public async Task A_file_that_is_not_sqlite_is_an_error_and_is_left_as_it_was()
    {
        using var home = new TempDirectory();
        var db = home.File("usage.db");
        await File.WriteAllTextAsync(db, "not a database at all, but longer than sixteen bytes");
        var result = await Run(home.Path, "summary");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(db, result.Error, StringComparison.Ordinal);
        Assert.Equal("not a database at all, but longer than sixteen bytes", await File.ReadAllTextAsync(db));
    }

    [Fact]
    public async Task Exports_reports_and_imported_catalogues_are_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var temp = new TempDirectory();
        var home = Path.Combine(temp.Path, "fresh-home");
        await File.WriteAllTextAsync(temp.File("prices.json"), """{"m1":{"input_cost_per_token":1e-6,"output_cost_per_token":2e-6}}""");

        // prices import first, into a home that does not exist yet.
        var env = new Dictionary<string, string?> { ["TOKENTRACE_HOME"] = home, ["COLUMNS"] = "10000" };
        Assert.Equal(0, (await CliRunner.RunAsync(temp.Path, env, "prices", "import", temp.File("prices.json"))).ExitCode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(home));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(home, "prices")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(home, "prices", "litellm.json")));
        Assert.Empty(Directory.GetFiles(Path.Combine(home, "prices"), "*.tmp"));

        Assert.Equal(0, (await CliRunner.RunAsync(temp.Path, env, "record", "--model", "gpt-4o", "--input", "100")).ExitCode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(home, "usage.db")));
        Assert.Equal(0, (await CliRunner.RunAsync(temp.Path, env, "export", "--to", "csv", "-o", temp.File("out.csv"))).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(temp.Path, env, "report", "--format", "html", "-o", temp.File("report.html"))).ExitCode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(temp.File("out.csv")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(temp.File("report.html")));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("jsonl")]
    [InlineData("csv")]
    public async Task Records_at_the_bound_sum_exactly_in_summary_and_report(string kind)
    {
        using var home = new TempDirectory();
        var ledger = kind == "sqlite" ? "sqlite:" + home.File("bound.db") : $"{kind}:" + home.File("bound");
        const string Max = "1000000000";
        for (var i = 0; i < 3; i++)
        {
            var record = await Run(home.Path, "record", "--ledger", ledger, "--model", "unpriced-model", "--input", Max, "--output", Max,
                "--cache-read", Max, "--cache-write", Max, "--cache-write-1h", Max, "--reasoning", Max, "--project", "p" + (i % 2).ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(record.ExitCode == 0, record.Error);
        }

        var summary = await Run(home.Path, "summary", "--ledger", ledger, "--by", "project", "--format", "json");
        Assert.True(summary.ExitCode == 0, summary.Error);
        Assert.Equal(15_000_000_000L, JsonDocument.Parse(summary.Out).RootElement.GetProperty("total").GetProperty("totalTokens").GetInt64());
        var report = await Run(home.Path, "report", "--ledger", ledger, "--format", "json");
        Assert.True(report.ExitCode == 0, report.Error);
    }
}
