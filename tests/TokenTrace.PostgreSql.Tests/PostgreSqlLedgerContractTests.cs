using System.Collections.Concurrent;
using TokenTrace.Tests;

namespace TokenTrace.PostgreSql.Tests;

/// <summary>
/// The shared ledger contract against a real PostgreSQL server: each directory the contract opens is one fresh database,
/// so reopening the same directory reopens the same data, as with the file ledgers.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlLedgerContractTests(PostgreSqlServer server) : UsageLedgerContract, IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Lazy<string>> _databases = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<IUsageLedger> _opened = [];

    protected override bool KeepsFilesInTheDirectory => false;

    protected override IUsageLedger Open(string directory)
    {
        var database = _databases.GetOrAdd(directory, _ => new Lazy<string>(() => server.CreateDatabaseAsync().GetAwaiter().GetResult())).Value;
        var ledger = new PostgreSqlUsageLedger(server.Spec(database));
        _opened.Add(ledger);
        return ledger;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Closes every ledger the test opened, so that their pooled connections do not pile up on the server.</summary>
    public async Task DisposeAsync()
    {
        foreach (var ledger in _opened)
        {
            await ledger.DisposeAsync();
        }
    }
}
