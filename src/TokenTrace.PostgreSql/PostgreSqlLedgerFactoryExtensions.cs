namespace TokenTrace.PostgreSql;

/// <summary>Registers the PostgreSQL ledger with a <see cref="UsageLedgerFactory"/>.</summary>
public static class PostgreSqlLedgerFactoryExtensions
{
    /// <summary>
    /// Lets <paramref name="factory"/> open <c>postgres://user@host:port/database</c> and <c>postgresql://…</c> specs. The
    /// database must exist; its tables are created on first use. <see cref="LedgerOpenContext.OpenExistingOnly"/> has
    /// nothing to guard: opening never creates a database. The ledger logs through <see cref="LedgerOpenContext.LoggerFactory"/>
    /// and reads <see cref="LedgerOpenContext.Time"/>; its fold thresholds come from the URL (<c>fold_after</c>,
    /// <c>summary_fold_after</c>) or their defaults.
    /// </summary>
    public static UsageLedgerFactory AddPostgreSql(this UsageLedgerFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return factory
            .Register("postgres", static (spec, context) => Open(spec, context))
            .Register("postgresql", static (spec, context) => Open(spec, context));
    }

    private static PostgreSqlUsageLedger Open(LedgerSpec spec, LedgerOpenContext context) =>
        new(spec.Location, new PostgreSqlLedgerOptions { LoggerFactory = context.LoggerFactory, TimeProvider = context.Time });
}
