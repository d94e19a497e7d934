namespace TokenTrace.Cli;

/// <summary>A clock stopped at one instant, for reports "as of" a time (<c>--at</c>): the same ledger gives the same report.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
