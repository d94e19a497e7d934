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
/// compute-bound: <c>2·active / (peak × utilization)</c>, plus attention over every earlier token of the prompt,
/// <c>4 · layers · attentionWidth</c> FLOP per pair of tokens, so a prompt's attention grows with the square of its length.
/// The matrix multiplications run at the peak of the weights' precision (FP8 or BF16), attention at the BF16 peak.
/// Energy is accelerator-seconds × accelerator watts ×
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
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Model, string? Provider, string? Region, string? Entry), Profile?> _profiles = new();

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
    public ImpactEstimate? Estimate(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return ProfileOf(record) is { } profile ? Evaluate(profile, record.Tokens).Estimate : null;
    }

    /// <summary>The estimate with every input and intermediate value, or null when the model is unknown.</summary>
    public ImpactBreakdown? Explain(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (ProfileOf(record) is not { } profile)
        {
            return null;
        }

        var (estimate, prefillTokens, acceleratorSeconds) = Evaluate(profile, record.Tokens);
        var attentionSeconds = profile.Central.AttentionSeconds(record.Tokens);
        return new ImpactBreakdown
        {
            Architecture = profile.Architecture,
            Provider = profile.Provider,
            Grid = profile.Grid,
            RegionRule = profile.RegionRule,
            GramsPerKwh = new EstimateRange(profile.Intensity / profile.GridUncertainty, profile.Intensity, profile.Intensity * profile.GridUncertainty),
            Accelerators = profile.Accelerators,
            PrefillTokens = prefillTokens,
            DecodeSecondsPerToken = profile.Central.Decode,
            PrefillSecondsPerToken = profile.Central.Prefill,
            Layers = profile.Layers,
            AttentionWidth = profile.AttentionWidth,
            AttentionSeconds = attentionSeconds,
            AcceleratorSeconds = acceleratorSeconds,
            WaterMl = estimate.EnergyWh.Central / profile.Provider.Pue.Central * profile.Provider.Wue,
            Estimate = estimate,
            Notes = profile.Notes,
        };
    }

    /// <summary>
    /// Everything about a (model, provider, region) that does not depend on the token counts, computed once: each
    /// variation of the inputs reduces to a per-token decode and prefill cost and an attention cost per token pair.
    /// </summary>
    private Profile? ProfileOf(UsageRecord record)
    {
        var key = (record.Model, record.Provider, record.Region, record.Price?.Entry);
        if (_profiles.TryGetValue(key, out var cached))
        {
            return cached;
        }

        if (_profiles.Count > 10_000)
        {
            _profiles.Clear(); // names come from callers; keep the cache bounded
        }

        return _profiles[key] = BuildProfile(record);
    }

    private Profile? BuildProfile(UsageRecord record)
    {
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
        architecture = WithShape(architecture);
        var (layers, width) = (architecture.Layers!.Value, architecture.AttentionWidth!.Value);
        var central = new Inputs(architecture.TotalBillions.Central, architecture.ActiveBillions.Central, layers.Central * width.Central, s.BytesPerParameter.Central, s.BatchSize.Central,
            s.AcceleratorWatts.Central, s.ServerShare.Central, s.IdleMultiplier.Central, s.ComputeUtilization.Central, provider.Pue.Central, s.CacheReadFactor.Central);

        // Each factor moved alone to its low and its high, the others held central.
        (Inputs Low, Inputs High)[] variations =
        [
            (central with { Total = architecture.TotalBillions.Low, Active = architecture.ActiveBillions.Low, LayerWidth = layers.Low * width.Low },
                central with { Total = architecture.TotalBillions.High, Active = architecture.ActiveBillions.High, LayerWidth = layers.High * width.High }),
            (central with { Bytes = s.BytesPerParameter.Low }, central with { Bytes = s.BytesPerParameter.High }),
            (central with { Batch = s.BatchSize.Low }, central with { Batch = s.BatchSize.High }),
            (central with { Watts = s.AcceleratorWatts.Low }, central with { Watts = s.AcceleratorWatts.High }),
            (central with { ServerShare = s.ServerShare.Low }, central with { ServerShare = s.ServerShare.High }),
            (central with { Idle = s.IdleMultiplier.Low }, central with { Idle = s.IdleMultiplier.High }),
            (central with { Utilization = s.ComputeUtilization.Low }, central with { Utilization = s.ComputeUtilization.High }),
            (central with { Pue = provider.Pue.Low }, central with { Pue = provider.Pue.High }),
            (central with { CacheFactor = s.CacheReadFactor.Low }, central with { CacheFactor = s.CacheReadFactor.High }),
        ];

        return new Profile(
            architecture, provider, grid, rule, intensity, grid.Cloud is not null ? 1.1 : grid.Id == "WORLD" ? 1.3 : 1.2,
            Variant(central), [.. variations.Select(v => Variant(v.Low))], [.. variations.Select(v => Variant(v.High))],
            (int)Math.Ceiling(1.2 * central.Total * central.Bytes / s.MemoryGigabytes), layers.Central, width.Central, notes);
    }

    /// <summary>
    /// The row with layers and attention width as ranges: the disclosed ones, else a dense transformer's shape at each of
    /// the active-parameter figures. Not a note: it is the documented rule for every undisclosed model, and the row's
    /// <see cref="ModelArchitecture.ShapeSource"/> says so.
    /// </summary>
    private static ModelArchitecture WithShape(ModelArchitecture architecture)
    {
        if (architecture.Layers is not null && architecture.AttentionWidth is not null)
        {
            return architecture;
        }

        var (lowLayers, lowWidth) = ModelArchitecture.DerivedShape(architecture.ActiveBillions.Low);
        var (layers, width) = ModelArchitecture.DerivedShape(architecture.ActiveBillions.Central);
        var (highLayers, highWidth) = ModelArchitecture.DerivedShape(architecture.ActiveBillions.High);
        return architecture with
        {
            Layers = new EstimateRange(lowLayers, layers, highLayers),
            AttentionWidth = new EstimateRange(lowWidth, width, highWidth),
            ShapeSource = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"undisclosed: a dense transformer of {architecture.ActiveBillions.Central:G4}B parameters is assumed, {layers:F1} layers × width {width:F0} (docs/methodology/carbon.md)"),
        };
    }

    /// <summary>
    /// Per-token costs of one set of inputs: energy = (output × decode + prefilled × prefill + attention) × watts-to-Wh.
    /// One precision per profile: FP8 weights (1 byte) multiply at the FP8 peak, BF16 weights at the BF16 peak; attention
    /// runs at the BF16 peak in both, as serving engines compute it in BF16 even over an FP8 KV cache.
    /// </summary>
    private PerToken Variant(Inputs p)
    {
        var s = _serving;
        var weightsRead = Math.Min(p.Total, p.Batch * p.Active) * 1e9 * p.Bytes;
        var memorySeconds = weightsRead / (s.MemoryBandwidth * p.Batch);
        var matmulPeak = p.Bytes <= 1 ? s.Fp8PeakFlops : s.PeakFlops;
        var computeSeconds = 2 * p.Active * 1e9 / (matmulPeak * p.Utilization);

        // 4 · layers · width FLOP per (query, key) pair (2·width for QKᵀ, 2·width for the weighted sum of V); a causal
        // prompt of n tokens after c cached ones has ((c + n)² − c²) / 2 such pairs.
        var attentionSecondsPerSquare = 2 * p.LayerWidth / (s.PeakFlops * p.Utilization);
        var accelerators = (int)Math.Ceiling(1.2 * p.Total * p.Bytes / s.MemoryGigabytes);
        var multiServer = accelerators > s.AcceleratorsPerServer ? s.MultiServerOverhead : 1.0;
        return new PerToken(Math.Max(memorySeconds, computeSeconds), computeSeconds, attentionSecondsPerSquare, p.CacheFactor,
            p.Watts * (1 + p.ServerShare) * p.Idle * p.Pue * multiServer / 3600);
    }

    private static (ImpactEstimate Estimate, double PrefillTokens, double AcceleratorSeconds) Evaluate(Profile profile, TokenCounts tokens)
    {
        var energy = profile.Central.EnergyWh(tokens, out var prefillTokens, out var seconds);
        double lowSquares = 0, highSquares = 0;
        if (energy > 0)
        {
            for (var i = 0; i < profile.Lows.Length; i++)
            {
                var low = Math.Log(energy / profile.Lows[i].EnergyWh(tokens, out _, out _));
                var high = Math.Log(profile.Highs[i].EnergyWh(tokens, out _, out _) / energy);
                lowSquares += low * low;
                highSquares += high * high;
            }
        }

        var gridLog = Math.Log(profile.GridUncertainty);
        var co2 = energy * profile.Intensity / 1000;
        var estimate = new ImpactEstimate(
            new EstimateRange(energy * Math.Exp(-Math.Sqrt(lowSquares)), energy, energy * Math.Exp(Math.Sqrt(highSquares))),
            new EstimateRange(co2 * Math.Exp(-Math.Sqrt(lowSquares + (gridLog * gridLog))), co2, co2 * Math.Exp(Math.Sqrt(highSquares + (gridLog * gridLog)))))
        {
            Region = profile.Grid.Id,
        };
        return (estimate, prefillTokens, seconds);
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

    private readonly record struct Inputs(double Total, double Active, double LayerWidth, double Bytes, double Batch, double Watts, double ServerShare, double Idle, double Utilization, double Pue, double CacheFactor);

    private readonly record struct PerToken(double Decode, double Prefill, double AttentionPerSquare, double CacheFactor, double JoulesToWh)
    {
        public double EnergyWh(TokenCounts tokens, out double prefillTokens, out double acceleratorSeconds)
        {
            prefillTokens = tokens.Input + tokens.CacheWrite + tokens.CacheWrite1h + (CacheFactor * tokens.CacheRead);
            acceleratorSeconds = (tokens.Output * Decode) + (prefillTokens * Prefill) + AttentionSeconds(tokens);
            return acceleratorSeconds * JoulesToWh;
        }

        /// <summary>
        /// Attention of the computed prompt tokens over themselves and over the cached prefix they follow (cache reads come
        /// first in a prompt): ((c + n)² − c²) = n · (n + 2c) token-pair units.
        /// </summary>
        public double AttentionSeconds(TokenCounts tokens)
        {
            var computed = (double)tokens.Input + tokens.CacheWrite + tokens.CacheWrite1h;
            return AttentionPerSquare * computed * (computed + (2.0 * tokens.CacheRead));
        }
    }

    private sealed record Profile(
        ModelArchitecture Architecture, ProviderProfile Provider, GridRegion Grid, string RegionRule, double Intensity, double GridUncertainty,
        PerToken Central, PerToken[] Lows, PerToken[] Highs, int Accelerators, double Layers, double AttentionWidth, IReadOnlyList<string> Notes);
}
