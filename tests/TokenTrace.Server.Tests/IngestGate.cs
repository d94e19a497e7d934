namespace TokenTrace.Server.Tests;

/// <summary>What the test server does with one ingest request.</summary>
public enum IngestGate
{
    Pass,
    Refuse,
    Unavailable,
    StoreThenDropAnswer,
}
