using System.Diagnostics;
using TokenTrace.Hosting;

namespace TokenTrace.Cli;

/// <summary>
/// Keeps the rest of the history (other sessions, other agents) caught up for the status line without making it wait: a
/// detached <c>tokentrace sync --quiet</c> started now and then. Safe to start at any time: a sync takes the cursor lock
/// and stores each response once, so one running beside a status line, a hook or another sync never double counts.
/// </summary>
internal static class StatuslineCatchUp
{
    /// <summary>How often the status line starts a catch-up when its own sync finished in time (other sessions' usage may lag this much).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    /// <summary>How often it starts one when its own sync did not finish in time (a first run on a large history): soon, but not once per call.</summary>
    public static readonly TimeSpan BehindInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Starts a catch-up when the last one started longer ago than the interval; returns whether it did. Set
    /// <c>TOKENTRACE_STATUSLINE_CATCH_UP=off</c> to never start one (a hook or a timer already syncs).
    /// </summary>
    public static bool StartIfDue(CliContext context, bool behind)
    {
        if (string.Equals(Environment.GetEnvironmentVariable("TOKENTRACE_STATUSLINE_CATCH_UP"), "off", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var stamp = Path.Combine(TokenTraceEnvironment.Home, "agents", "statusline-catch-up.stamp");
        var last = File.Exists(stamp) ? File.GetLastWriteTimeUtc(stamp) : DateTime.MinValue;
        if (DateTime.UtcNow - last < (behind ? BehindInterval : Interval))
        {
            return false;
        }

        SecureFile.EnsureDirectory(Path.GetDirectoryName(stamp));
        SecureFile.WriteAllBytesAtomic(stamp, []);
        var start = SelfStart();
        foreach (var arg in (string[])["sync", "--quiet"])
        {
            start.ArgumentList.Add(arg);
        }

        // The same ledger and configuration as this run (the environment, TOKENTRACE_HOME included, is inherited).
        if (context.Parse.GetValue(GlobalOptions.Ledger) is { } ledger)
        {
            start.ArgumentList.Add("--ledger");
            start.ArgumentList.Add(ledger);
        }

        if (context.Parse.GetValue(GlobalOptions.Config) is { } config)
        {
            start.ArgumentList.Add("--config");
            start.ArgumentList.Add(config);
        }

        // Its own pipes, never Claude Code's: a child holding the status line's stdout open would keep Claude Code waiting.
        // It writes nothing (--quiet), and .NET drops writes to a pipe whose reader has gone.
        start.RedirectStandardInput = start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start);
        return process is not null;
    }

    /// <summary>How to run this program again: the native binary itself, or <c>dotnet TokenTrace.Cli.dll</c>.</summary>
    private static ProcessStartInfo SelfStart()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("this program's path is unknown");
        var start = new ProcessStartInfo(path);
        if (Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(Environment.GetCommandLineArgs()[0]);
        }

        return start;
    }
}
