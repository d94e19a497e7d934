namespace TokenTrace.Sqlite;

/// <summary>Registers the SQLite ledger with a <see cref="UsageLedgerFactory"/>.</summary>
public static class SqliteLedgerFactoryExtensions
{
    /// <summary>Lets <paramref name="factory"/> open <c>sqlite:PATH</c> and <c>*.db</c> specs.</summary>
    public static UsageLedgerFactory AddSqlite(this UsageLedgerFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return factory.Register("sqlite", static (spec, _) => new SqliteUsageLedger(spec.Location));
    }
}
