namespace TokenTrace;

/// <summary>One name a reported model may be listed under, and what was taken off to get it.</summary>
/// <param name="Rule">The rule that produced the name (<c>exact</c>, <c>provider prefix</c>, <c>prefix removed</c>, <c>dotted version</c>, <c>suffix removed</c>).</param>
/// <param name="Name">The name to look up.</param>
/// <param name="Snapshot">The date suffix removed on the way, if any: the entry found must cover it.</param>
/// <param name="Region">The Bedrock geography prefix removed on the way (<c>us</c>, <c>eu</c>…), if any.</param>
internal readonly record struct ModelNameCandidate(string Rule, string Name, SnapshotDate? Snapshot = null, string? Region = null);
