namespace TokenTrace;

/// <summary>Well-known values of <see cref="UsageRecord.Source"/>.</summary>
public static class UsageSources
{
    /// <summary>Recorded in-process through the library.</summary>
    public const string Sdk = "sdk";

    /// <summary>Recorded with <c>tokentrace record</c>.</summary>
    public const string Cli = "cli";

    /// <summary>Brought in with <c>tokentrace import</c>.</summary>
    public const string Import = "import";
}
