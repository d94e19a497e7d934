namespace TokenTrace.Analytics.DuckDb;

/// <summary>Serves the summaries of a registered ledger scheme from a DuckDB copy.</summary>
public static class DuckDbLedgerFactoryExtensions
{
    /// <summary>
    /// Wraps every <paramref name="scheme"/> ledger <paramref name="factory"/> opens (by default <c>sqlite</c>, which must
    /// be registered first) in a <see cref="DuckDbAnalyticsLedger"/> whose copy lives beside the ledger's file. Ledgers
    /// that offer no <see cref="IUsageChangeFeed"/> are left as they are.
    /// </summary>
    public static UsageLedgerFactory AddDuckDbAnalytics(this UsageLedgerFactory factory, string scheme = "sqlite", DuckDbAnalyticsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var settings = options ?? new DuckDbAnalyticsOptions();
        return factory.Decorate(scheme, (ledger, spec, _) =>
            ledger.GetService<IUsageChangeFeed>() is null ? ledger : new DuckDbAnalyticsLedger(ledger, settings.DatabasePathFor(spec.Location), settings));
    }
}
