namespace TokenTrace.Server.Otlp;

/// <summary>
/// What an OTLP export request holds for the ledger: one entry per span or usage window that carries token usage (a
/// record, or why it cannot be one), numbered from 1 in the request's order, and how many items carried none.
/// </summary>
/// <param name="Entries">The records and refusals, ready for the same store step as <c>/v1/records</c>.</param>
/// <param name="Skipped">Spans (or metric points) without token usage: not records, not errors.</param>
/// <param name="Warning">A note for the sender that is not a refusal (sent back as a partial success with 0 rejected), or null.</param>
internal sealed record OtlpBatch(List<(long Line, UsageRecord? Record, IngestError? Error)> Entries, long Skipped, string? Warning = null);
