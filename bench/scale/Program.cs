using System.Globalization;
using TokenTrace;
using TokenTrace.Scale;

// dotnet run -c Release --project bench/scale -- [run] [--records N] [--work DIR] [--no-duckdb] [--no-tokentrace] [--skip "report (whole year),--by session"]
// Other verbs: generate N FILE | claude-corpus DIR MEGABYTES | duckdb-load FILE DB REPO | duckdb-query DB | duckdb-sql DB SQL | profile-sql DB SQL [--repeat N] | profile-summary HOME BY [--project P] [--agent A] [--repeat N] | profile-import FILE [--variants 1,2] | profile-insert FILE [--records N] [--repeat R] | insert-variants FILE [--variants 1,2] | parse-direct FILE | profile-agent-sync CLAUDE_DIR | agent-sync CLAUDE_DIR [--ahead FILES] [--batch RECORDS] | profile-catch-up LEDGER.db [--feed-only] | pg-ingest postgres://… [--records N] [--batch N] [--catch-up-after N] [--no-summaries] | pg-summaries postgres://… [--only 'job;day,project'] [--no-rows] | pg-replicate postgres://… [--times N] [--first K] [--bulk]
var verb = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "run";
var rest = verb == "run" && (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal)) ? args : args[1..];
var repository = FindRepository();
switch (verb)
{
    case "run":
        var records = long.Parse(Option(rest, "--records") ?? "10000000", CultureInfo.InvariantCulture);
        var work = Option(rest, "--work") ?? "/tmp/tokentrace-scale";
        return new ScaleRun(records, work, repository, !rest.Contains("--no-tokentrace"), !rest.Contains("--no-duckdb"),
            Option(rest, "--skip")?.Split(',') ?? []).Run();
    case "claude-corpus":
        var corpus = new ClaudeCorpusGenerator(long.Parse(rest[1], CultureInfo.InvariantCulture) << 20).Write(rest[0]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{corpus.Files} files, {corpus.Bytes / 1048576.0:0.0} MB, {corpus.Responses} responses"));
        return 0;
    case "generate":
        new LedgerGenerator(long.Parse(rest[0], CultureInfo.InvariantCulture)).Write(rest[1]);
        return 0;
    case "duckdb-load":
        DuckDbReference.Load(rest[0], rest[1], rest[2]);
        return 0;
    case "duckdb-query":
        DuckDbReference.Query(rest[0]);
        return 0;
    case "profile-import":
        await ImportProfile.RunAsync(rest[0], Option(rest, "--scratch") ?? "/tmp/tokentrace-scale/profile", Option(rest, "--variants")?.Split(',') ?? []);
        return 0;
    case "profile-insert":
        if (Option(rest, "--sqlite-config") is { } config)
        {
            // Experiments: SQLite's process-wide settings, before any connection opens.
            SQLitePCL.Batteries_V2.Init();
            foreach (var setting in config.Split(','))
            {
                var rc = setting switch
                {
                    "multithread" => SQLitePCL.raw.sqlite3_config(2),
                    "nomemstatus" => SQLitePCL.raw.sqlite3_config(9, 0),
                    _ => throw new ArgumentException(setting),
                };
                Console.WriteLine($"sqlite3_config {setting}: {rc}");
            }
        }

        await InsertProfile.RunAsync(rest[0], Option(rest, "--scratch") ?? "/tmp/tokentrace-scale/profile",
            int.Parse(Option(rest, "--records") ?? "300000", CultureInfo.InvariantCulture), int.Parse(Option(rest, "--repeat") ?? "3", CultureInfo.InvariantCulture), rest.Contains("--drop-indexes"));
        return 0;
    case "insert-variants":
        var pipeline = new UsageRecordPipeline();
        await SqliteInsertVariants.RunAsync(
            [.. UsageRecordFile.ReadEntries(rest[0]).Select(e => pipeline.Prepare(e.Record!))],
            Option(rest, "--scratch") ?? "/tmp/tokentrace-scale/profile", Option(rest, "--variants")?.Split(',') ?? []);
        return 0;
    case "profile-catch-up":
        await CatchUpProfile.RunAsync(rest[0], Option(rest, "--scratch") ?? "/tmp/tokentrace-scale/profile", rest.Contains("--feed-only"));
        return 0;
    case "agent-sync":
        await AgentSyncRun.RunAsync(rest[0], Option(rest, "--scratch") ?? "/tmp/tokentrace-scale/profile",
            Option(rest, "--ahead") is { } ahead ? int.Parse(ahead, CultureInfo.InvariantCulture) : null,
            Option(rest, "--batch") is { } size ? int.Parse(size, CultureInfo.InvariantCulture) : null);
        return 0;
    case "profile-agent-sync":
        await AgentSyncProfile.RunAsync(rest[0], Option(rest, "--scratch") ?? "/tmp/tokentrace-scale/profile");
        return 0;
    case "pg-replicate":
        await PostgreSqlReplicate.RunAsync(rest[0], int.Parse(Option(rest, "--times") ?? "10", CultureInfo.InvariantCulture),
            int.Parse(Option(rest, "--first") ?? "1", CultureInfo.InvariantCulture), rest.Contains("--bulk"));
        return 0;
    case "pg-summaries":
        await using (var ledger = new TokenTrace.PostgreSql.PostgreSqlUsageLedger(rest[0]))
        {
            // The first use brings the schema up to date: its time is that of any migration plus one summary from the sums.
            var opened = System.Diagnostics.Stopwatch.StartNew();
            var total = await ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first use (migrations included) and the total, {total.Total.Records:N0} records: {opened.Elapsed.TotalMilliseconds:N0} ms"));
            await PostgreSqlIngest.SummariesAsync(ledger, Option(rest, "--only"), !rest.Contains("--no-rows"));
        }

        return 0;
    case "pg-ingest":
        await PostgreSqlIngest.RunAsync(rest[0], long.Parse(Option(rest, "--records") ?? "100000", CultureInfo.InvariantCulture),
            int.Parse(Option(rest, "--batch") ?? "10000", CultureInfo.InvariantCulture), Option(rest, "--scratch") ?? "/tmp/tokentrace-scale/profile",
            Option(rest, "--catch-up-after") is { } after ? long.Parse(after, CultureInfo.InvariantCulture) : null, !rest.Contains("--no-summaries"));
        return 0;
    case "parse-direct":
        DirectParser.Measure(rest[0]);
        return 0;
    case "duckdb-sql":
        DuckDbReference.Print(rest[0], rest[1]);
        return 0;
    case "profile-sql":
        SqlProfile.Run(rest[0], rest[1], int.Parse(Option(rest, "--repeat") ?? "2", CultureInfo.InvariantCulture));
        return 0;
    case "profile-summary":
        await SummaryProfile.RunAsync(rest[0], rest[1], Option(rest, "--project"), Option(rest, "--agent"), int.Parse(Option(rest, "--repeat") ?? "3", CultureInfo.InvariantCulture));
        return 0;
    default:
        Console.Error.WriteLine($"unknown verb {verb}");
        return 2;
}

static string? Option(string[] args, string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static string FindRepository()
{
    for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
    {
        if (File.Exists(Path.Combine(folder.FullName, "TokenTrace.slnx")))
        {
            return folder.FullName;
        }
    }

    throw new InvalidOperationException("run from inside the TokenTrace repository");
}
