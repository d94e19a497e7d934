namespace TokenTrace.Sqlite;

/// <summary>Registers the SQLite ledger with a <see cref="UsageLedgerFactory"/>.</summary>
public static class SqliteLedgerFactoryExtensions
{
    /// <summary>Lets <paramref name="factory"/> open <c>sqlite:PATH</c> specs and bare paths ending in <c>.db</c> or <c>.sqlite</c>.
    /// With <see cref="LedgerOpenContext.OpenExistingOnly"/>, a database file that does not exist is not created.</summary>
    public static UsageLedgerFactory AddSqlite(this UsageLedgerFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return factory
            .Register("sqlite", static (spec, context) =>
            {
                // Opening a SQLite database that is not there creates it: look before.
                context.ThrowIfMissing(spec);
                return new SqliteUsageLedger(spec.Location);
            })
            .RegisterPathSuffix(".db", "sqlite")
            .RegisterPathSuffix(".sqlite", "sqlite");
    }
}
