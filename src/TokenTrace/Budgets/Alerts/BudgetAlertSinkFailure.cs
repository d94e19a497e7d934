namespace TokenTrace;

/// <summary>A sink that did not take an alert.</summary>
/// <param name="Sink">The sink, as it describes itself (a webhook names only its scheme, host and port).</param>
/// <param name="Message">What went wrong.</param>
/// <param name="StatusCode">The HTTP status of the reply, when there was one.</param>
/// <param name="Permanent">
/// True when the receiver refused the alert (an HTTP 4xx other than 408 and 429): sending it again unchanged will not help,
/// so it was not retried within the delivery; it is still tried once per evaluation until the period ends, in case the
/// receiver is fixed.
/// </param>
public sealed record BudgetAlertSinkFailure(string Sink, string Message, int? StatusCode, bool Permanent);
