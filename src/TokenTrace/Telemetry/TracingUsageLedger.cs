using System.Diagnostics;

namespace TokenTrace;

/// <summary>
/// Puts each batch the tracker writes in a <c>tokentrace.ledger.append</c> span of the <c>TokenTrace</c> source, so a slow
/// or failing store (and the database or HTTP spans under it) shows in a trace. The span is a root: the writer thread
/// runs for every caller, and inheriting whichever span happened to be current when it started would mislead.
/// </summary>
internal sealed class TracingUsageLedger(IUsageLedger inner) : DelegatingUsageLedger(inner)
{
    public override async Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        if (!UsageTelemetry.Source.HasListeners())
        {
            return await InnerLedger.AppendAsync(records, cancellationToken).ConfigureAwait(false);
        }

        // Local to this async method: the caller's Activity.Current is back when it returns.
        Activity.Current = null;
        using var activity = UsageTelemetry.Source.StartActivity("tokentrace.ledger.append", ActivityKind.Internal);
        try
        {
            activity?.SetTag("tokentrace.ledger.records", records.Count);
            var result = await InnerLedger.AppendAsync(records, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("tokentrace.ledger.added", result.Added);
            activity?.SetTag("tokentrace.ledger.duplicates", result.Duplicates);
            return result;
        }
        catch (Exception ex) when (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            activity.SetTag("error.type", ex.GetType().FullName);
            throw;
        }
    }
}
