namespace TokenTrace.Hosting;

/// <summary>Where TokenTrace keeps its files, and the <c>TOKENTRACE_*</c> variables that move them.</summary>
public static class TokenTraceEnvironment
{
    /// <summary>The home folder: <c>$TOKENTRACE_HOME</c>, or <c>~/.tokentrace</c>.</summary>
    public static string Home =>
        Environment.GetEnvironmentVariable("TOKENTRACE_HOME") is { Length: > 0 } home
            ? LedgerSpec.ExpandHome(home)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".tokentrace");

    /// <summary>The default ledger: <c>sqlite:$TOKENTRACE_HOME/usage.db</c>.</summary>
    public static string DefaultLedgerSpec => "sqlite:" + Path.Combine(Home, "usage.db");

    /// <summary>Where <c>tokentrace prices import</c> keeps catalogues.</summary>
    public static string ImportedCatalogDirectory => Path.Combine(Home, "prices");

    /// <summary>Where records that could not reach the ledger wait to be replayed.</summary>
    public static string SpillDirectory => Path.Combine(Home, "spill");

    /// <summary>The config file in effect: the explicit one, else <c>./tokentrace.yaml</c>, else <c>$TOKENTRACE_HOME/config.yaml</c>; null if none exists.</summary>
    public static string? FindConfigFile(string? explicitPath)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return LedgerSpec.ExpandHome(explicitPath);
        }

        if (Environment.GetEnvironmentVariable("TOKENTRACE_CONFIG") is { Length: > 0 } fromEnvironment)
        {
            return LedgerSpec.ExpandHome(fromEnvironment);
        }

        var local = Path.Combine(Directory.GetCurrentDirectory(), "tokentrace.yaml");
        if (File.Exists(local))
        {
            return local;
        }

        var home = Path.Combine(Home, "config.yaml");
        return File.Exists(home) ? home : null;
    }
}
