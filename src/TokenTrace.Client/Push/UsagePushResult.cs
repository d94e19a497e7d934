namespace TokenTrace.Client;

/// <summary>What one push did.</summary>
/// <param name="Sent">Records sent and acknowledged.</param>
/// <param name="Stored">Of those, records the server stored now.</param>
/// <param name="Duplicates">Of those, records the server already had (a batch sent again after a lost answer).</param>
/// <param name="Rejected">Of those, records the server refused; <paramref name="Errors"/> says why (the first hundred per batch).</param>
/// <param name="Batches">Requests acknowledged.</param>
/// <param name="Errors">The server's messages for the rejected records.</param>
public sealed record UsagePushResult(long Sent, long Stored, long Duplicates, long Rejected, int Batches, IReadOnlyList<string> Errors);
