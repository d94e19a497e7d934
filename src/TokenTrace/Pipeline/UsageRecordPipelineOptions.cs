namespace TokenTrace;

/// <summary>What a <see cref="UsageRecordPipeline"/> prices with, estimates with and attributes to by default.</summary>
public sealed class UsageRecordPipelineOptions
{
    /// <summary>Where prices come from. Defaults to the built-in catalogue.</summary>
    public PriceCatalog? Catalog { get; set; }

    /// <summary>Estimates energy and emissions per record; an <see cref="EnergyEstimator"/> over <see cref="Catalog"/> by default.</summary>
    public IImpactEstimator? ImpactEstimator { get; set; }

    /// <summary>Attribution applied to every record that does not set the field (after any <see cref="UsageScope"/>).</summary>
    public Attribution DefaultAttribution { get; set; } = Attribution.None;

    /// <summary>
    /// The grid region assumed for records that name none, before the provider's default region. Used only by the
    /// default estimator; a custom <see cref="ImpactEstimator"/> resolves regions its own way.
    /// </summary>
    public string? DefaultRegion { get; set; }
}
