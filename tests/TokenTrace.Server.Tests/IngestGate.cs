namespace TokenTrace.Server.Tests;

/// <summary>What the test server does with one ingest request.</summary>
public enum IngestGate
{
    Pass,
    Refuse,
    Unavailable,
    StoreThenDropAnswer,

    /// <summary>Drops the connection before reading the request (a server killed while the batch is being sent).</summary>
    DropWhileReceiving,

    /// <summary>Never answers (until the client gives up): a hung server.</summary>
    Hang,
}
