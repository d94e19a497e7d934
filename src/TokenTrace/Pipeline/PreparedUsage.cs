namespace TokenTrace;

/// <summary>A record after every step of the <see cref="UsageRecordPipeline"/>, with what each step had to say.</summary>
/// <param name="Record">The record, attributed, priced (when a price applies) and estimated (when the model is known).</param>
/// <param name="PriceProblem">Why the record has no cost, or null when it has one.</param>
/// <param name="ImpactNotes">The estimator's notes (assumptions made, fallbacks taken); empty when there are none.</param>
public sealed record PreparedUsage(UsageRecord Record, string? PriceProblem, IReadOnlyList<string> ImpactNotes);
