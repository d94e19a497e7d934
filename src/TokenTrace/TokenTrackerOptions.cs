namespace TokenTrace;

/// <summary>How a <see cref="TokenTracker"/> prices, estimates and persists records.</summary>
public sealed class TokenTrackerOptions
{
    /// <summary>Where prices come from. Defaults to the built-in catalogue.</summary>
    public PriceCatalog? Catalog { get; set; }

    /// <summary>Estimates energy and emissions per record; an <see cref="EnergyEstimator"/> over <see cref="Catalog"/> by default.</summary>
    public IImpactEstimator? ImpactEstimator { get; set; }

    /// <summary>Records waiting to be written before new ones spill to <see cref="SpillDirectory"/>.</summary>
    public int QueueCapacity { get; set; } = 65_536;

    /// <summary>The most records written to the ledger at once.</summary>
    public int BatchSize { get; set; } = 1_024;

    /// <summary>Attempts for one batch before it spills (or, without a spill folder, is counted as lost).</summary>
    public int MaxWriteAttempts { get; set; } = 5;

    /// <summary>The first retry delay; later ones double up to two seconds.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// A folder where records that could not reach the ledger are kept as JSON lines, and replayed into the ledger
    /// the next time a tracker starts (ids make the replay idempotent). Null disables spilling.
    /// </summary>
    public string? SpillDirectory { get; set; }

    /// <summary>
    /// Whether ledger failures surface from <see cref="TokenTracker.FlushAsync"/> and disposal. Off by default:
    /// tracking must never break the caller's model call.
    /// </summary>
    public bool ThrowOnLedgerFailure { get; set; }

    /// <summary>Attribution applied to every record that does not set the field (under any <see cref="UsageScope"/>).</summary>
    public Attribution DefaultAttribution { get; set; } = Attribution.None;

    /// <summary>Region assumed for records that name none (before the provider's default region).</summary>
    public string? DefaultRegion { get; set; }
}
