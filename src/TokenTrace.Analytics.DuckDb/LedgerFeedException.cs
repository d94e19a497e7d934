namespace TokenTrace.Analytics.DuckDb;

/// <summary>A failure of the ledger's change feed during a catch-up; the ledger's own exception is inside.</summary>
internal sealed class LedgerFeedException(Exception inner) : Exception(inner.Message, inner);
