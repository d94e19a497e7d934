namespace TokenTrace.Server.Tests;

/// <summary>What the test server does with one ingest request.</summary>
public enum IngestGate
{
    Pass,
    Refuse,
    Unavailable,
    StoreThenDropAnswer,

    /// <summary>Never answers (until the client gives up): a hung server.</summary>
    Hang,
}
