using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace TokenTrace.Extensions.AI;

/// <summary>
/// The steps the chat and embedding middleware share: reserve room in hard budgets before a call, and record the call
/// (through the tracker's pipeline, never a copy of it) and settle its reservation after. Recording never throws into
/// the caller's call: only a hard budget's refusal (and the caller's own cancellation while reserving) does.
/// </summary>
internal static partial class CallRecorder
{
    /// <summary>The outcome of a call, in <see cref="UsageRecord.Status"/>.</summary>
    public const string Ok = "ok";

    /// <inheritdoc cref="Ok"/>
    public const string Error = "error";

    /// <summary>The caller cancelled the call, or stopped reading its stream before the end.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>The longest a finished call waits for its budget reservation to be settled in the ledger (see <see cref="FinishAsync"/>).</summary>
    public static readonly TimeSpan SettleWait = TimeSpan.FromSeconds(2);

    /// <summary>The status of a call that threw <paramref name="exception"/>.</summary>
    public static string StatusOf(Exception exception) => exception is OperationCanceledException ? Cancelled : Error;

    /// <summary>
    /// Reserves <paramref name="estimate"/> in every hard budget the call falls under. A refusal throws
    /// <see cref="BudgetExceededException"/>; a ledger that cannot take the reservation lets the call go unreserved
    /// (logged), because tracking must not stop calls that no budget refused.
    /// </summary>
    public static async ValueTask<BudgetReservation?> ReserveAsync(BudgetEnforcer budgets, CallStart call, TokenCounts estimate, ILogger logger, CancellationToken cancellationToken)
    {
        UsageRecord planned;
        try
        {
            // Prepared by the tracker's pipeline so the estimate is attributed, priced and estimated exactly as the record will be.
            planned = call.Tracker.Prepare(new UsageRecord
            {
                Id = call.Id ?? UsageRecord.NewId(),
                Timestamp = call.Timestamp,
                Provider = call.Provider,
                Model = call.RequestedModel,
                Operation = call.Operation,
                Tokens = estimate,
                Attribution = call.Attribution,
            });
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            LogEstimateFailed(logger, ex, call.RequestedModel);
            return null;
        }

        if (!AnyHardBudgetCovers(budgets, planned))
        {
            // Nothing to refuse or hold: skipping the reservation also skips settling it, which waits for the tracker's
            // flush when reservations are kept in the ledger.
            return null;
        }

        try
        {
            return await budgets.ReserveAsync(planned, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not BudgetExceededException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            LogReserveFailed(logger, ex, call.RequestedModel);
            return null;
        }
    }

    /// <summary>
    /// Records the call and settles its reservation. <paramref name="usage"/> null means the call reported none: the record
    /// then has zero counts and the <see cref="TokenTraceTags.Unreported"/> tag. Never throws.
    /// </summary>
    /// <remarks>
    /// Without a reservation the record is made on the tracker's writer thread (<see cref="TokenTracker.RecordLaterAsync"/>):
    /// the caller's thread only captures the call's facts and writes them to the queue. A reservation is settled with
    /// the priced record, so then the record is made here.
    /// </remarks>
    public static async ValueTask FinishAsync(CallStart call, string? reportedModel, UsageDetails? usage, string status, BudgetReservation? reservation, ILogger logger)
    {
        try
        {
            // Read now: the usage object is the caller's and can change after the call (FunctionInvokingChatClient adds
            // later calls' usage into the first response's), so only its counts go on.
            var finished = new FinishedCall(call, reportedModel, Tokens(usage, call, reportedModel, logger, out var usageTag), usageTag, status, call.ElapsedMilliseconds);
            if (reservation is null)
            {
                await call.Tracker.RecordLaterAsync(finished).ConfigureAwait(false);
                return;
            }

            var accepted = await call.Tracker.RecordAsync(finished.ToRecord()).ConfigureAwait(false);

            // Settling in a ledger waits for the tracker's flush (the record must count before the reservation stops
            // counting); a slow or dead ledger must not hold the caller's finished call. Past SettleWait the settlement
            // goes on in the background. Until it completes the reservation keeps holding its estimated room; what the
            // call cost beyond that estimate is not seen by other calls' checks until the record is flushed — a window
            // only a slow or failing ledger opens, taken over stalling the caller (decisions.md).
            var settling = reservation.SettleAsync(accepted);
            try
            {
                await settling.WaitAsync(SettleWait).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                LogSettleDeferred(logger, reportedModel ?? call.RequestedModel, SettleWait.TotalSeconds);
                _ = settling.ContinueWith(
                    static (task, state) =>
                    {
                        var (log, model) = ((ILogger, string))state!;
                        LogRecordFailed(log, task.Exception!.GetBaseException(), model);
                    },
                    (logger, reportedModel ?? call.RequestedModel),
                    CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
        catch (Exception ex)
        {
            // A reservation left unsettled holds room until it expires: it never lets spend through.
            LogRecordFailed(logger, ex, reportedModel ?? call.RequestedModel);
        }
    }

    /// <summary>The call's counts in disjoint buckets, or zero with the tag saying why (none reported, or unreadable).</summary>
    private static TokenCounts Tokens(UsageDetails? usage, CallStart call, string? reportedModel, ILogger logger, out string? usageTag)
    {
        usageTag = TokenTraceTags.Unreported;
        if (usage is null)
        {
            return TokenCounts.Zero;
        }

        try
        {
            var tokens = UsageDetailsNormalizer.Normalize(usage, call.Provider);
            usageTag = null;
            return tokens;
        }
        catch (UsageFormatException ex)
        {
            LogInvalidUsage(logger, ex, reportedModel ?? call.RequestedModel);
            usageTag = TokenTraceTags.Invalid;
            return TokenCounts.Zero;
        }
    }

    /// <summary>What a finished call produced (immutable facts only), made into its record on whichever thread records it.</summary>
    private sealed class FinishedCall(CallStart call, string? reportedModel, TokenCounts tokens, string? usageTag, string status, double latencyMs)
        : PendingUsageRecord
    {
        protected override UsageRecord Create() => ToRecord();

        public UsageRecord ToRecord()
        {
            var attribution = call.Attribution;
            if (usageTag is not null)
            {
                attribution = new Attribution { Tags = new Dictionary<string, string>(StringComparer.Ordinal) { [TokenTraceTags.Usage] = usageTag } }.WithFallback(attribution);
            }

            return new UsageRecord
            {
                Id = call.Id ?? UsageRecord.NewId(),
                Timestamp = call.Timestamp,
                Provider = call.Provider,
                Model = string.IsNullOrWhiteSpace(reportedModel) ? call.RequestedModel : reportedModel,
                Operation = call.Operation,
                Tokens = tokens,
                Attribution = attribution,
                Source = UsageSources.Sdk,
                LatencyMs = latencyMs,
                Status = status,
            };
        }
    }

    private static bool AnyHardBudgetCovers(BudgetEnforcer budgets, UsageRecord planned)
    {
        foreach (var budget in budgets.Budgets)
        {
            if (budget.Mode == BudgetMode.Hard && budget.Covers(planned))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Approximates tokens from text length (about four characters a token), for reservations only.</summary>
    public static long TokensOfText(long characters) => (characters + 3) / 4;

    [LoggerMessage(1, LogLevel.Warning, "TokenTrace could not record a call of {Model}; the call itself is unaffected")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string model);

    [LoggerMessage(2, LogLevel.Warning, "A call of {Model} reported usage TokenTrace cannot read; it is recorded as tagged tokentrace.usage=invalid with zero counts")]
    private static partial void LogInvalidUsage(ILogger logger, Exception exception, string model);

    [LoggerMessage(5, LogLevel.Warning, "TokenTrace is still settling the budget reservation of a call of {Model} after {Seconds} s (the ledger is slow or down); the call returns and the settlement goes on in the background")]
    private static partial void LogSettleDeferred(ILogger logger, string model, double seconds);

    [LoggerMessage(3, LogLevel.Warning, "TokenTrace could not reserve budget room for a call of {Model}; the call goes ahead unreserved")]
    private static partial void LogReserveFailed(ILogger logger, Exception exception, string model);

    [LoggerMessage(4, LogLevel.Warning, "TokenTrace could not estimate a call of {Model} for its budgets; the call goes ahead unreserved")]
    private static partial void LogEstimateFailed(ILogger logger, Exception exception, string model);
}
