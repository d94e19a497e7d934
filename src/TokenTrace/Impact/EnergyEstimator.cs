namespace TokenTrace;

/// <summary>
/// Estimates the energy (Wh) and emissions (gCO2e) of one call, as a low / central / high range, from the model's
/// architecture, the serving hardware, the provider's PUE and the grid of the region. docs/methodology/carbon.md
/// derives every formula and cites every constant.
/// </summary>
/// <remarks>
/// Per output token (decode), a serving group reads the weights once per step for a batch of sequences, so an
/// output token costs <c>max(weightsRead / (bandwidth × batch), 2·active / (peak × utilization))</c> accelerator-seconds,
/// where <c>weightsRead = min(total, batch × active) × bytesPerParameter</c>. Per prefilled input token the work is
/// compute-bound: <c>2·active / (peak × utilization)</c>. Energy is accelerator-seconds × accelerator watts ×
/// (1 + server share) × idle multiplier × PUE (× a multi-server overhead when the weights need more than one server).
/// The range combines each factor's low and high as independent log-normal uncertainties (root-sum-square of log
/// ratios), so it is wide where the inputs are uncertain without multiplying every extreme together.
/// </remarks>
public sealed class EnergyEstimator : IImpactEstimator
{
    private readonly PriceCatalog _catalog;
    private readonly ImpactSettings _settings;
    private readonly string? _defaultRegion;
    private readonly ImpactTables _tables;
    private readonly ServingAssumptions _serving;

    /// <summary>Creates an estimator.</summary>
    /// <param name="catalog">Resolves model names to catalogue entries (and prices, for the tier fallback).</param>
    /// <param name="settings">The <c>impact:</c> configuration section.</param>
    /// <param name="defaultRegion">The configuration's default region, used before the provider's.</param>
    /// <param name="tables">Architecture, provider and grid tables; the shipped ones by default.</param>
    /// <param name="serving">Serving assumptions; the documented defaults by default.</param>
    public EnergyEstimator(PriceCatalog catalog, ImpactSettings? settings = null, string? defaultRegion = null, ImpactTables? tables = null, ServingAssumptions? serving = null)
    {
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _settings = settings ?? new ImpactSettings();
        _defaultRegion = string.IsNullOrWhiteSpace(defaultRegion) ? null : defaultRegion;
        _tables = tables ?? ImpactTables.Default;
        _serving = serving ?? ServingAssumptions.Default;
    }

    /// <inheritdoc/>
    public ImpactEstimate? Estimate(UsageRecord record) => Explain(record)?.Estimate;

    /// <summary>The estimate with every input and intermediate value, or null when the model is unknown.</summary>
    public ImpactBreakdown? Explain(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var notes = new List<string>();
        var price = _catalog.Find(record.Model, record.Provider, record.Timestamp);
        var entry = record.Price?.Entry ?? price?.Name;
        var architecture = (entry is null ? null : _tables.FindArchitecture(entry)) ?? FromPriceTier(price, notes);
        if (architecture is null)
        {
            return null;
        }

        var provider = _tables.FindProvider(record.Provider ?? price?.Provider);
        var (grid, rule) = ResolveGrid(record, provider, notes);
        var gridUncertainty = grid.Cloud is not null ? 1.1 : grid.Id == "WORLD" ? 1.3 : 1.2;
        var intensity = grid.GramsPerKwh;
        if (_settings.Basis == CarbonBasis.Market)
        {
            if (grid.CarbonFreeShare is { } share)
            {
                intensity *= 1 - share;
            }
            else
            {
                notes.Add($"no market-based figure for {grid.Id}; location-based intensity used");
            }
        }

        var s = _serving;
        var central = new Inputs(architecture.TotalBillions.Central, architecture.ActiveBillions.Central, s.BytesPerParameter.Central, s.BatchSize.Central,
            s.AcceleratorWatts.Central, s.ServerShare.Central, s.IdleMultiplier.Central, s.ComputeUtilization.Central, provider.Pue.Central, s.CacheReadFactor.Central);
        var centralResult = Compute(record.Tokens, central);

        // Each factor moved alone to its low and its high, the others held central.
        (Inputs Low, Inputs High)[] variations =
        [
            (central with { Total = architecture.TotalBillions.Low, Active = architecture.ActiveBillions.Low }, central with { Total = architecture.TotalBillions.High, Active = architecture.ActiveBillions.High }),
            (central with { Bytes = s.BytesPerParameter.Low }, central with { Bytes = s.BytesPerParameter.High }),
            (central with { Batch = s.BatchSize.Low }, central with { Batch = s.BatchSize.High }),
            (central with { Watts = s.AcceleratorWatts.Low }, central with { Watts = s.AcceleratorWatts.High }),
            (central with { ServerShare = s.ServerShare.Low }, central with { ServerShare = s.ServerShare.High }),
            (central with { Idle = s.IdleMultiplier.Low }, central with { Idle = s.IdleMultiplier.High }),
            (central with { Utilization = s.ComputeUtilization.Low }, central with { Utilization = s.ComputeUtilization.High }),
            (central with { Pue = provider.Pue.Low }, central with { Pue = provider.Pue.High }),
            (central with { CacheFactor = s.CacheReadFactor.Low }, central with { CacheFactor = s.CacheReadFactor.High }),
        ];

        var energy = centralResult.EnergyWh;
        double lowSquares = 0, highSquares = 0;
        if (energy > 0)
        {
            foreach (var (low, high) in variations)
            {
                lowSquares += Square(Math.Log(energy / Compute(record.Tokens, low).EnergyWh));
                highSquares += Square(Math.Log(Compute(record.Tokens, high).EnergyWh / energy));
            }
        }

        var gridLog = Math.Log(gridUncertainty);
        var energyRange = new EstimateRange(energy * Math.Exp(-Math.Sqrt(lowSquares)), energy, energy * Math.Exp(Math.Sqrt(highSquares)));
        var co2 = energy * intensity / 1000;
        var co2Range = new EstimateRange(co2 * Math.Exp(-Math.Sqrt(lowSquares + (gridLog * gridLog))), co2, co2 * Math.Exp(Math.Sqrt(highSquares + (gridLog * gridLog))));

        return new ImpactBreakdown
        {
            Architecture = architecture,
            Provider = provider,
            Grid = grid,
            RegionRule = rule,
            GramsPerKwh = new EstimateRange(intensity / gridUncertainty, intensity, intensity * gridUncertainty),
            Accelerators = centralResult.Accelerators,
            PrefillTokens = centralResult.PrefillTokens,
            DecodeSecondsPerToken = centralResult.DecodeSeconds,
            PrefillSecondsPerToken = centralResult.PrefillSeconds,
            AcceleratorSeconds = centralResult.AcceleratorSeconds,
            Estimate = new ImpactEstimate(energyRange, co2Range) { Region = grid.Id },
            Notes = notes,
        };

        static double Square(double x) => x * x;
    }

    private Result Compute(TokenCounts tokens, Inputs p)
    {
        var s = _serving;
        var weightsRead = Math.Min(p.Total, p.Batch * p.Active) * 1e9 * p.Bytes;
        var memorySeconds = weightsRead / (s.MemoryBandwidth * p.Batch);
        var computeSeconds = 2 * p.Active * 1e9 / (s.PeakFlops * p.Utilization);
        var decode = Math.Max(memorySeconds, computeSeconds);
        var prefillTokens = tokens.Input + tokens.CacheWrite + tokens.CacheWrite1h + (p.CacheFactor * tokens.CacheRead);
        var acceleratorSeconds = (tokens.Output * decode) + (prefillTokens * computeSeconds);
        var accelerators = (int)Math.Ceiling(1.2 * p.Total * p.Bytes / s.MemoryGigabytes);
        var multiServer = accelerators > s.AcceleratorsPerServer ? s.MultiServerOverhead : 1.0;
        var joules = acceleratorSeconds * p.Watts * (1 + p.ServerShare) * p.Idle * p.Pue * multiServer;
        return new Result(joules / 3600, accelerators, prefillTokens, decode, computeSeconds, acceleratorSeconds);
    }

    private (GridRegion Grid, string Rule) ResolveGrid(UsageRecord record, ProviderProfile provider, List<string> notes)
    {
        (string? Region, string Rule)[] candidates =
        [
            (record.Region, "record"),
            (_settings.Regions.TryGetValue(record.Model, out var byModel) ? byModel : null, "config model"),
            (record.Provider is not null && _settings.Regions.TryGetValue(record.Provider, out var byProvider) ? byProvider : null, "config provider"),
            (_defaultRegion, "config default"),
            (provider.DefaultRegion, "provider default"),
        ];

        foreach (var (region, rule) in candidates)
        {
            if (string.IsNullOrWhiteSpace(region))
            {
                continue;
            }

            if (_tables.FindGrid(region) is { } grid)
            {
                return (grid, rule);
            }

            notes.Add($"unknown region '{region}' ({rule}); trying the next rule");
        }

        return (_tables.World, "world");
    }

    /// <summary>The documented fallback for a priced model missing from the architecture table: a size band by output price.</summary>
    private static ModelArchitecture? FromPriceTier(ModelPrice? price, List<string> notes)
    {
        if (price?.Rates.Output is not { } output && price?.Rates.Input is not { })
        {
            return null;
        }

        var perMillion = (double)((price.Rates.Output ?? (price.Rates.Input * 4) ?? 0m) * 1_000_000m);
        var (total, active, band) = perMillion switch
        {
            < 0.5 => (new EstimateRange(8, 15, 30), new EstimateRange(3, 8, 15), "under $0.50"),
            < 2 => (new EstimateRange(20, 50, 100), new EstimateRange(8, 17, 30), "$0.50-2"),
            < 8 => (new EstimateRange(100, 200, 400), new EstimateRange(20, 40, 80), "$2-8"),
            < 20 => (new EstimateRange(200, 400, 800), new EstimateRange(60, 100, 200), "$8-20"),
            < 50 => (new EstimateRange(500, 1000, 2000), new EstimateRange(100, 200, 400), "$20-50"),
            _ => (new EstimateRange(1000, 2000, 4000), new EstimateRange(200, 400, 800), "$50 and more"),
        };
        notes.Add($"no architecture row for {price.Name}; size band for output prices {band} per million tokens");
        return new ModelArchitecture(price.Name, total, active, "estimate", $"TokenTrace price-tier fallback ({band} per million output tokens)", 2025);
    }

    private readonly record struct Inputs(double Total, double Active, double Bytes, double Batch, double Watts, double ServerShare, double Idle, double Utilization, double Pue, double CacheFactor);

    private readonly record struct Result(double EnergyWh, int Accelerators, double PrefillTokens, double DecodeSeconds, double PrefillSeconds, double AcceleratorSeconds);
}
