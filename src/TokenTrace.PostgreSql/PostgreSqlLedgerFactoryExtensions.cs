namespace TokenTrace.PostgreSql;

/// <summary>Registers the PostgreSQL ledger with a <see cref="UsageLedgerFactory"/>.</summary>
public static class PostgreSqlLedgerFactoryExtensions
{
    /// <summary>
    /// Lets <paramref name="factory"/> open <c>postgres://user@host:port/database</c> and <c>postgresql://…</c> specs. The
    /// database must exist; its tables are created on first use. <see cref="LedgerOpenContext.OpenExistingOnly"/> has
    /// nothing to guard: opening never creates a database.
    /// </summary>
    public static UsageLedgerFactory AddPostgreSql(this UsageLedgerFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return factory
            .Register("postgres", static (spec, _) => new PostgreSqlUsageLedger(spec.Location))
            .Register("postgresql", static (spec, _) => new PostgreSqlUsageLedger(spec.Location));
    }
}
