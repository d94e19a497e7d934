using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TokenTrace;

/// <summary>
/// The one way a record is made ready for a ledger, used by every way in (the tracker, <c>record</c> and <c>import</c>,
/// the coding-agent readers, the middleware, the server's ingest): <b>validate</b> (a clear error naming the field),
/// <b>attribute</b> (the record's own fields, then the ambient <see cref="UsageScope"/>, then the defaults),
/// <b>price</b> (when the record has no cost yet; a record given without a provider takes the provider of the catalogue
/// entry that priced it), <b>estimate</b> energy and emissions (when it has no estimate yet).
/// </summary>
/// <remarks>
/// <para>The steps are split in two so a hot path can keep the caller's thread short: <see cref="Accept"/> validates,
/// attributes and prices; <see cref="Estimate"/> (never throws) can run later on a writer thread.</para>
/// <para>The region of a record is, in this order: the record's own <see cref="UsageRecord.Region"/>; else the one the
/// estimator resolved (the default <see cref="EnergyEstimator"/> tries the configuration's region for the model, then
/// for the provider, then <see cref="UsageRecordPipelineOptions.DefaultRegion"/>, then the provider's default region,
/// then the world average); else none.</para>
/// </remarks>
public sealed partial class UsageRecordPipeline
{
    private readonly UsagePricer _pricer;
    private readonly IImpactEstimator _estimator;
    private readonly Attribution _defaults;
    private readonly ILogger _logger;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _unpricedModels = new(StringComparer.Ordinal);

    /// <summary>Creates a pipeline.</summary>
    public UsageRecordPipeline(UsageRecordPipelineOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        options ??= new UsageRecordPipelineOptions();
        _pricer = new UsagePricer(options.Catalog ?? PriceCatalog.BuiltIn);
        _estimator = options.ImpactEstimator ?? new EnergyEstimator(_pricer.Catalog, defaultRegion: options.DefaultRegion);
        _defaults = options.DefaultAttribution ?? Attribution.None;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<UsageRecordPipeline>();
    }

    /// <summary>The catalogue records are priced from.</summary>
    public PriceCatalog Catalog => _pricer.Catalog;

    /// <summary>The estimator records are estimated with.</summary>
    public IImpactEstimator ImpactEstimator => _estimator;

    /// <summary>
    /// Validates, attributes and prices <paramref name="record"/> (its timestamp made UTC). A record that already has a
    /// cost keeps it (the caller knows better, e.g. a provider-billed amount); an unknown model leaves the cost null,
    /// never zero.
    /// </summary>
    /// <exception cref="ArgumentException">The record is invalid (a negative count, no model…); the message names the field.</exception>
    public UsageRecord Accept(UsageRecord record) => Accept(record, out _);

    /// <summary>Every step: <see cref="Accept"/>, then <see cref="Estimate"/>.</summary>
    /// <exception cref="ArgumentException">The record is invalid; the message names the field.</exception>
    public UsageRecord Prepare(UsageRecord record) => Estimate(Accept(record));

    /// <summary>Every step, with the reason a record stays unpriced and the estimator's notes (for commands that show them).</summary>
    /// <exception cref="ArgumentException">The record is invalid; the message names the field.</exception>
    public PreparedUsage Explain(UsageRecord record)
    {
        var accepted = Accept(record, out var problem);
        if (accepted.Impact is not null)
        {
            return new PreparedUsage(accepted, problem, []);
        }

        if (_estimator is EnergyEstimator energy)
        {
            try
            {
                return energy.Explain(accepted) is { } breakdown
                    ? new PreparedUsage(WithImpact(accepted, breakdown.Estimate), problem, breakdown.Notes)
                    : new PreparedUsage(accepted, problem, []);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogEstimatorFailed(_logger, ex, accepted.Model);
                return new PreparedUsage(accepted, problem, []);
            }
        }

        return new PreparedUsage(Estimate(accepted), problem, []);
    }

    /// <summary>
    /// Adds an energy and emissions estimate (and the region it assumed) to a record that has none. Never throws: an
    /// estimator failure is logged and the record is kept without an estimate.
    /// </summary>
    public UsageRecord Estimate(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Impact is not null)
        {
            return record;
        }

        try
        {
            return _estimator.Estimate(record) is { } impact ? WithImpact(record, impact) : record;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogEstimatorFailed(_logger, ex, record.Model);
            return record;
        }
    }

    /// <summary>
    /// <see cref="Accept(UsageRecord)"/> with the ambient attribution given rather than read: for a record made on
    /// another thread than the call it describes (<see cref="PendingUsageRecord"/>), whose scope was captured at the call.
    /// </summary>
    internal UsageRecord Accept(UsageRecord record, Attribution scope) => Accept(record, scope, out _);

    private UsageRecord Accept(UsageRecord record, out string? problem) => Accept(record, UsageScope.Current, out problem);

    private UsageRecord Accept(UsageRecord record, Attribution scope, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(record);
        UsageRecordValidator.ThrowIfInvalid(record);
        var attribution = record.Attribution.WithFallback(scope).WithFallback(_defaults);
        var timestamp = record.Timestamp.ToUniversalTime();
        problem = null;
        if (record.CostUsd is not null)
        {
            return attribution.Equals(record.Attribution) && timestamp == record.Timestamp && timestamp.Offset == record.Timestamp.Offset
                ? record
                : record with { Attribution = attribution, Timestamp = timestamp };
        }

        // Pricing reads the model, provider, time, tokens and tier, not the attribution: a record already in UTC is priced
        // as it is, and copied once with everything the pipeline adds (a copy per step was most of what it allocated).
        var utc = timestamp.Offset == record.Timestamp.Offset ? record : record with { Timestamp = timestamp };
        var cost = _pricer.Compute(utc, out var reference, out problem, out var seller);
        if (cost is null)
        {
            // Once per model at warning level: a loop over an unknown model must not flood the log.
            if (_unpricedModels.TryAdd(record.Model, true))
            {
                LogUnpriced(_logger, record.Model, problem ?? "unknown");
            }

            return utc with { Attribution = attribution, Timestamp = timestamp };
        }

        if (cost > UsageLimits.MaxCostUsd)
        {
            // Every count and rate is within its bound, but their product is not a plausible single call.
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Invalid usage record '{record.Id}': costUsd: {cost} priced from {reference?.Entry} is above the limit of {UsageLimits.MaxCostUsd} per record (docs/methodology/limits.md)"), nameof(record));
        }

        return utc with { Attribution = attribution, Timestamp = timestamp, CostUsd = cost, Price = reference, Provider = record.Provider ?? seller };
    }

    /// <summary>
    /// Prices <paramref name="record"/> again from the catalogue, whatever cost it has (for <c>tokentrace reprice</c>), and
    /// fills a missing provider from the entry that priced it, as <see cref="Accept"/> does. Token counts never change.
    /// </summary>
    /// <param name="record">A stored record.</param>
    /// <param name="problem">Why the record has no cost now, or null when it has one.</param>
    public UsageRecord Reprice(UsageRecord record, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(record);
        var cost = _pricer.Compute(record, out var reference, out problem, out var seller);
        var priced = cost == record.CostUsd && reference == record.Price ? record : record with { CostUsd = cost, Price = reference };
        return seller is not null ? priced with { Provider = seller } : priced;
    }

    private static UsageRecord WithImpact(UsageRecord record, ImpactEstimate impact) =>
        record with { Impact = impact, Region = record.Region ?? impact.Region };

    [LoggerMessage(1, LogLevel.Warning, "No price for model {Model}: {Problem}. Its records are kept with a null cost (reported once per model).")]
    private static partial void LogUnpriced(ILogger logger, string model, string problem);

    [LoggerMessage(2, LogLevel.Warning, "The impact estimator failed for model {Model}; the record is kept without an estimate")]
    private static partial void LogEstimatorFailed(ILogger logger, Exception exception, string model);
}
