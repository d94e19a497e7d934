namespace TokenTrace;

/// <summary>Where a ledger's <see cref="IUsageChangeFeed"/> stands.</summary>
/// <param name="LedgerId">The store's identity; a different value means a different store under the same name.</param>
/// <param name="LastSequence">The sequence number of the last record stored (0 when empty).</param>
/// <param name="LastChange">The number of the last change to a stored record (0 when none).</param>
public readonly record struct UsageFeedPosition(string LedgerId, long LastSequence, long LastChange);
