using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TokenTrace.Analytics.DuckDb;
using TokenTrace.Client;
using TokenTrace.Hosting;
using TokenTrace.PostgreSql;
using TokenTrace.Sqlite;

namespace TokenTrace.Cli;

/// <summary>What one command run needs, read from the global options: settings, the ledger, prices, output and time.</summary>
internal sealed class CliContext
{
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private TokenTraceOptions? _settings;
    private readonly List<PriceSheet> _priceSheets = [];
    private PriceCatalog? _catalog;
    private EnergyEstimator? _estimator;
    private UsageRecordPipeline? _pipeline;

    public CliContext(ParseResult parse)
    {
        Parse = parse;
        Format = parse.GetValue(GlobalOptions.Format) ?? "table";
        if (Format == "html" && parse.CommandResult.Command.Name != "report")
        {
            throw new CliInputException("--format html is only for `tokentrace report`");
        }

        Quiet = parse.GetValue(GlobalOptions.Quiet);
        // Piped into another program or a file with no width given, a table has no screen to fit: every column, whole
        // names and numbers, as --wide (for values to compute with, --format csv or json).
        Wide = parse.GetValue(GlobalOptions.Wide) || (Console.IsOutputRedirected && Environment.GetEnvironmentVariable("COLUMNS") is null);
        TimeZone = ResolveTimeZone(parse.GetValue(GlobalOptions.TimeZone));
        Time = ResolveClock(Environment.GetEnvironmentVariable("TOKENTRACE_NOW"));
        Since = ParseTime(parse.GetValue(GlobalOptions.Since), "--since", endOfDay: false);
        Until = ParseTime(parse.GetValue(GlobalOptions.Until), "--until", endOfDay: true);
        if (Since is { } s && Until is { } u && u <= s)
        {
            throw new CliInputException(string.Create(CultureInfo.InvariantCulture, $"--until ({u:O}) is not after --since ({s:O})"));
        }
    }

    public ParseResult Parse { get; }

    public string Format { get; }

    public bool Quiet { get; }

    /// <summary>--wide: every table column whatever the terminal's width.</summary>
    public bool Wide { get; }

    public TimeZoneInfo TimeZone { get; }

    public DateTimeOffset? Since { get; }

    /// <summary>
    /// What "now" is for the answers that depend on it (the active block, today in the status line): the system's clock,
    /// or the ISO 8601 instant in <c>TOKENTRACE_NOW</c>, so that a test or a reproducible run gets one answer.
    /// </summary>
    public TimeProvider Time { get; }

    public DateTimeOffset? Until { get; }

    public static IAnsiConsole Out { get; set; } = CreateConsole(Console.Out, Console.IsOutputRedirected);

    public static IAnsiConsole Error { get; set; } = CreateConsole(Console.Error, Console.IsErrorRedirected);

    /// <summary>
    /// A console for one stream. When the stream is a pipe or file there is no terminal width to fit, so tables use
    /// $COLUMNS (or 200) instead of wrapping every cell at Spectre's default of 80.
    /// </summary>
    private static IAnsiConsole CreateConsole(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (redirected)
        {
            console.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), NumberStyles.None, CultureInfo.InvariantCulture, out var columns) && columns > 20 ? columns : 200;
        }

        return console;
    }

    public TokenTraceOptions Settings => _settings ??= TokenTraceSettingsLoader.Load(Parse.GetValue(GlobalOptions.Config));

    public string LedgerSpec => Parse.GetValue(GlobalOptions.Ledger) ?? Settings.LedgerSpec;

    /// <summary>Whether the ledger is a TokenTrace server (<c>http://</c>, <c>https://</c>): read through its API, never synced into.</summary>
    public bool IsRemoteLedger => LedgerSpec.TrimStart().StartsWith("http://", StringComparison.OrdinalIgnoreCase) || LedgerSpec.TrimStart().StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    public PriceCatalog Catalog => _catalog ??= Settings.BuildCatalog(TokenTraceEnvironment.ImportedCatalogDirectory, _priceSheets);

    /// <summary>
    /// Lays the LiteLLM-format catalogue in <paramref name="path"/> over the configured prices for this run (<c>--prices</c>):
    /// the records this run prices (a sync's) take their cost from it where it has the model.
    /// </summary>
    /// <exception cref="CliInputException">The file cannot be read or is not a catalogue; the message names it and the position.</exception>
    public void LayPrices(string path)
    {
        if (_catalog is not null)
        {
            throw new InvalidOperationException("Prices are laid before the catalogue is first used.");
        }

        try
        {
            _priceSheets.Add(LiteLlmCatalogReader.ReadFile(path));
        }
        catch (System.Text.Json.JsonException ex)
        {
            var at = ex.LineNumber is { } line
                ? string.Create(CultureInfo.InvariantCulture, $"line {line + 1}, byte {ex.BytePositionInLine + 1}: ")
                : "";
            // System.Text.Json's own position (0-based, "LineNumber: 3 | BytePositionInLine: 4") would contradict the 1-based one.
            var reason = ex.Message.Split(" LineNumber:", 2)[0].Split(" Path:", 2)[0].TrimEnd('.');
            throw new CliInputException($"--prices {path}: {at}not a LiteLLM price catalogue ({reason})");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"--prices {path}: cannot be read ({ex.Message})");
        }
    }

    public EnergyEstimator Estimator => _estimator ??= Settings.BuildEstimator(Catalog);

    /// <summary>
    /// The record pipeline <c>record</c> and <c>import</c> share with the tracker: a record without a cost is priced, one
    /// without an estimate is estimated (with the configuration's regions), attribution falls back as everywhere else.
    /// </summary>
    public UsageRecordPipeline Pipeline => _pipeline ??= new UsageRecordPipeline(new UsageRecordPipelineOptions { Catalog = Catalog, ImpactEstimator = Estimator });

    /// <summary>
    /// Opens the ledger for a command that reads it (or changes records already in it): never creates one. A named
    /// ledger that does not exist is bad input (exit 2), so a typo in <c>--ledger</c> is not a report of zeros; the
    /// default ledger that does not exist yet is a fresh install, answered as an empty ledger with a note.
    /// </summary>
    /// <param name="noteWhenUnrecorded">Whether to say on stderr that nothing is recorded yet (a command with its own words for it passes false).</param>
    public IUsageLedger OpenLedger(bool noteWhenUnrecorded = true)
    {
        try
        {
            return Open(existingOnly: true);
        }
        catch (LedgerNotFoundException ex) when (IsDefaultLedger)
        {
            if (noteWhenUnrecorded)
            {
                Info($"Nothing recorded yet: {ex.Location} does not exist. `tokentrace record` or `tokentrace import` starts it; see `tokentrace --help`.");
            }

            return new UnrecordedLedger(ex.Spec);
        }
        catch (LedgerNotFoundException ex)
        {
            throw new CliInputException($"{ex.Message}; nothing was created (commands that only read never create a ledger). Check the spelling, or start it with `tokentrace record` or `tokentrace import`.");
        }
    }

    /// <summary>Opens the ledger for a command that adds to it (<c>record</c>, <c>import</c>, <c>budget set</c>), creating it if needed.</summary>
    public IUsageLedger OpenLedgerForWriting() => Open(existingOnly: false);

    /// <summary>Opens the ledger named by <paramref name="spec"/> for adding to it, creating it if needed (a hook's own ledger setting).</summary>
    public IUsageLedger OpenLedgerForWriting(string spec) => Open(existingOnly: false, spec);

    /// <summary>Opens the ledger for a long-running command (<c>serve</c>) whose ledger logs through <paramref name="logging"/>.</summary>
    public IUsageLedger OpenLedgerForWriting(Microsoft.Extensions.Logging.ILoggerFactory logging) => Open(existingOnly: false, logging: logging);

    /// <summary>Whether the ledger is the built-in default: no <c>--ledger</c>, no <c>TOKENTRACE_LEDGER</c>, none in the config file.</summary>
    public bool IsDefaultLedger => Parse.GetValue(GlobalOptions.Ledger) is null && Settings.Ledger is null;

    private IUsageLedger Open(bool existingOnly, string? spec = null, Microsoft.Extensions.Logging.ILoggerFactory? logging = null)
    {
        var context = new LedgerOpenContext
        {
            Files = Settings.Files.ToFileLedgerOptions() with { OnProblem = Warn },
            OpenExistingOnly = existingOnly,
            LoggerFactory = logging ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
        };
        try
        {
            return new UsageLedgerFactory().AddSqlite().AddPostgreSql().AddRemoteLedger(deviceIdDirectory: TokenTraceEnvironment.Home).AddDuckDbAnalytics(options: AnalyticsOptions()).Open(spec ?? LedgerSpec, context);
        }
        catch (FormatException ex)
        {
            throw new CliInputException(ex.Message);
        }
    }

    /// <summary>
    /// When summaries of a SQLite ledger come from its DuckDB copy (docs/end_user/analytics.md): <c>TOKENTRACE_ANALYTICS</c>
    /// is <c>auto</c> (the default: from 250,000 records), <c>always</c> or <c>off</c>.
    /// </summary>
    private static DuckDbAnalyticsOptions AnalyticsOptions()
    {
        var mode = Environment.GetEnvironmentVariable("TOKENTRACE_ANALYTICS")?.Trim();
        return mode?.ToLowerInvariant() switch
        {
            null or "" or "auto" => new DuckDbAnalyticsOptions(),
            "always" => new DuckDbAnalyticsOptions { MinimumRecords = 0 },
            "off" => new DuckDbAnalyticsOptions { MinimumRecords = long.MaxValue },
            _ => throw new CliInputException($"TOKENTRACE_ANALYTICS: '{mode}' is not one of auto, always, off"),
        };
    }

    public UsageQuery Query(UsageQuery? filters = null) => (filters ?? UsageQuery.All) with { Since = Since, Until = Until };

    public void Warn(LedgerProblem problem) => Warn(problem.ToString());

    public void Warn(string message)
    {
        if (_reported.Add(message))
        {
            Error.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[yellow]warning:[/] {message}");
        }
    }

    public void Info(string message)
    {
        if (!Quiet)
        {
            Error.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[grey]{message}[/]");
        }
    }

    /// <summary>Whether to draw progress bars: only for a person watching a terminal.</summary>
    public bool ShowProgress => !Quiet && !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("CI") is null;

    private static TimeZoneInfo ResolveTimeZone(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return TimeZoneInfo.Local;
        }

        if (id.Equals("utc", StringComparison.OrdinalIgnoreCase))
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new CliInputException($"--tz: unknown time zone '{id}'; use an IANA id such as Europe/Paris or UTC");
        }
    }

    private static TimeProvider ResolveClock(string? now)
    {
        if (string.IsNullOrWhiteSpace(now))
        {
            return TimeProvider.System;
        }

        return DateTimeOffset.TryParse(now.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)
            ? new FixedTimeProvider(instant.ToUniversalTime())
            : throw new CliInputException($"TOKENTRACE_NOW: '{now}' is not an ISO 8601 instant");
    }

    private DateTimeOffset? ParseTime(string? text, string option, bool endOfDay)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var trimmed = text.Trim();
        if (RelativeDay(trimmed) is { } relative)
        {
            return DayBoundary(relative, endOfDay);
        }

        foreach (var format in new[] { "yyyy-MM-dd", "yyyyMMdd" })
        {
            if (DateOnly.TryParseExact(trimmed, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                return DayBoundary(day, endOfDay);
            }
        }

        if (DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            return instant.ToUniversalTime();
        }

        throw new CliInputException($"{option}: '{text}' is not a date (YYYY-MM-DD, YYYYMMDD, today or yesterday) or an ISO 8601 instant");
    }

    /// <summary>
    /// <c>today</c> and <c>yesterday</c> in --tz: what a slash command or a cron line can say without computing a date
    /// (the Claude Code plugin's /today runs <c>tokentrace daily --since today</c>).
    /// </summary>
    private DateOnly? RelativeDay(string text)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZone).DateTime);
        return text.ToLowerInvariant() switch
        {
            "today" => today,
            "yesterday" => today.AddDays(-1),
            _ => null,
        };
    }

    /// <summary>The start of <paramref name="day"/> in --tz, or of the day after when <paramref name="endOfDay"/> (an --until day is included).</summary>
    private DateTimeOffset DayBoundary(DateOnly day, bool endOfDay)
    {
        var local = (endOfDay ? day.AddDays(1) : day).ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, TimeZone.GetUtcOffset(local)).ToUniversalTime();
    }
}
