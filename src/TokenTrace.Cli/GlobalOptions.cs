using System.CommandLine;

namespace TokenTrace.Cli;

/// <summary>Options every command accepts.</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> Ledger = new("--ledger")
    {
        Description = "The ledger: sqlite:PATH (or PATH.db), jsonl:DIR, csv:FILE, postgres://USER@HOST:PORT/DATABASE, or https://SERVER (a team server, read through its API with the token in TOKENTRACE_TOKEN). Default: sqlite:~/.tokentrace/usage.db, or TOKENTRACE_LEDGER. Only record, import, budget set, hook claude-code, hook kiro, sync and statusline (with the views that sync first: daily, weekly, monthly, session, blocks) create a ledger; for other commands a missing named ledger is exit 2.",
        Recursive = true,
        HelpName = "SPEC",
    };

    public static readonly Option<string?> Config = new("--config")
    {
        Description = "The config file. Default: ./tokentrace.yaml, then ~/.tokentrace/config.yaml.",
        Recursive = true,
        HelpName = "FILE",
    };

    public static readonly Option<string> Format = new("--format")
    {
        Description = "Output format where the output is data: table, json, csv or markdown (and html for `report`).",
        Recursive = true,
        DefaultValueFactory = _ => "table",
        HelpName = "FORMAT",
    };

    public static readonly Option<string?> Since = new("--since")
    {
        Description = "First day or instant included: YYYY-MM-DD, YYYYMMDD, today, yesterday or an ISO 8601 instant.",
        Recursive = true,
        HelpName = "TIME",
    };

    public static readonly Option<string?> Until = new("--until")
    {
        Description = "Last day included (or first instant excluded, for an ISO instant).",
        Recursive = true,
        HelpName = "TIME",
    };

    public static readonly Option<string?> TimeZone = new("--tz")
    {
        Description = "Time zone for days, weeks and months (IANA id such as Europe/Paris). Default: the system's.",
        Recursive = true,
        HelpName = "ZONE",
    };

    public static readonly Option<bool> Quiet = new("--quiet", "-q")
    {
        Description = "Print only data and errors.",
        Recursive = true,
    };

    public static readonly Option<bool> Wide = new("--wide")
    {
        Description = "Tables show every column even in a terminal narrower than 120 columns (which gets a compact layout).",
        Recursive = true,
    };

    static GlobalOptions()
    {
        Format.AcceptOnlyFromAmong("table", "json", "csv", "markdown", "html");
    }

    public static IEnumerable<Option> All => [Ledger, Config, Format, Since, Until, TimeZone, Quiet, Wide];
}
