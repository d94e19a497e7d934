namespace TokenTrace.Hosting;

/// <summary>
/// Everything <c>tokentrace.yaml</c> holds, after <c>${VAR}</c> substitution and <c>TOKENTRACE_*</c> overrides, plus
/// how the tracker queues and writes. The same shape binds from <c>Microsoft.Extensions.Configuration</c>
/// (<c>services.AddTokenTrace(configuration.GetSection("TokenTrace"))</c>): every property is settable and every
/// collection is a list or a dictionary of plain settings.
/// </summary>
public sealed class TokenTraceOptions
{
    /// <summary>The configuration section <c>AddTokenTrace</c> users conventionally bind: <c>TokenTrace</c>.</summary>
    public const string SectionName = "TokenTrace";

    /// <summary>The ledger spec; null means the default SQLite file under <see cref="TokenTraceEnvironment.Home"/>.</summary>
    public string? Ledger { get; set; }

    /// <summary>The region assumed for records that name none.</summary>
    public string? Region { get; set; }

    /// <summary>Rotation, archiving and retention of JSONL and CSV ledgers.</summary>
    public FileLedgerSettings Files { get; set; } = new();

    /// <summary>Price catalogues and overrides.</summary>
    public PriceSettings Prices { get; set; } = new();

    /// <summary>Budgets declared in configuration (they join the budgets kept in the ledger; a ledger budget of the same name wins).</summary>
    public List<BudgetSettings> Budgets { get; set; } = [];

    /// <summary>Where budget alerts go besides the log.</summary>
    public AlertSettings Alerts { get; set; } = new();

    /// <summary>Energy and carbon: basis and regions by model or provider.</summary>
    public ImpactSettings Impact { get; set; } = new();

    /// <summary>
    /// How the tracker queues, batches, retries, spills and flushes on exit (the <c>Tracker</c> section). Spilling is
    /// always on: without <see cref="BatchingLedgerOptions.SpillDirectory"/>, records spill to a folder of the ledger's
    /// own (<see cref="BatchingUsageLedger.DefaultSpillDirectory"/>).
    /// </summary>
    public BatchingLedgerOptions Tracker { get; set; } = new();

    /// <summary>
    /// What the tracker reports to OpenTelemetry (the <c>Telemetry</c> section): the attribution fields on the usage
    /// metrics (<c>MetricAttribution: Project, Agent, Job</c>) and whether <c>gen_ai</c> spans get cost and carbon.
    /// </summary>
    public UsageTelemetryOptions Telemetry { get; set; } = new();

    /// <summary>
    /// Where stored records are exported besides the ledger (the <c>Exporters</c> section, <c>exporters:</c> in YAML): a
    /// structured log, a JSONL file, a signed webhook. docs/end_user/exporters.md.
    /// </summary>
    public ExporterSettings Exporters { get; set; } = new();

    /// <summary>Attribution given to every record that does not set the field (after any <see cref="UsageScope"/>).</summary>
    public AttributionSettings DefaultAttribution { get; set; } = new();

    /// <summary>What <c>tokentrace hook kiro</c> records, and where (the <c>kiro:</c> section).</summary>
    public KiroSettings Kiro { get; set; } = new();

    /// <summary>The file these settings came from, if any.</summary>
    public string? SourcePath { get; set; }

    /// <summary>The ledger spec in effect: <see cref="Ledger"/> or the default.</summary>
    public string LedgerSpec => Ledger ?? TokenTraceEnvironment.DefaultLedgerSpec;

    /// <summary>The energy and carbon estimator these settings describe.</summary>
    public EnergyEstimator BuildEstimator(PriceCatalog catalog) => new(catalog, Impact, Region);

    /// <summary>The budgets declared here, parsed.</summary>
    /// <exception cref="FormatException">A budget is malformed; the message names it.</exception>
    /// <exception cref="ArgumentException">A budget field is invalid; the message names it.</exception>
    public IReadOnlyList<Budget> BuildBudgets() => [.. Budgets.Select(b => b.ToBudget())];

    /// <summary>
    /// Builds the price catalogue: built-in, then the catalogues in <paramref name="importedCatalogDirectory"/> (the
    /// CLI passes <see cref="TokenTraceEnvironment.ImportedCatalogDirectory"/>), then <see cref="PriceSettings.Catalogs"/>,
    /// then overrides, aliases and patterns.
    /// </summary>
    /// <exception cref="ConfigurationException">A catalogue cannot be read.</exception>
    public PriceCatalog BuildCatalog(string? importedCatalogDirectory = null) => BuildCatalog(importedCatalogDirectory, []);

    /// <summary>
    /// Builds the price catalogue as <see cref="BuildCatalog(string?)"/> does, with <paramref name="laterSheets"/> (a
    /// catalogue given for one run, such as the CLI's <c>--prices FILE</c>) laid over the configured catalogues and under
    /// the overrides, aliases and patterns, which stay the user's last word.
    /// </summary>
    /// <exception cref="ConfigurationException">A configured catalogue cannot be read.</exception>
    public PriceCatalog BuildCatalog(string? importedCatalogDirectory, IReadOnlyList<PriceSheet> laterSheets)
    {
        ArgumentNullException.ThrowIfNull(laterSheets);
        var builder = PriceCatalog.CreateBuilder();
        IEnumerable<string> files = importedCatalogDirectory is not null && Directory.Exists(importedCatalogDirectory)
            ? Directory.EnumerateFiles(importedCatalogDirectory, "*.json").Order(StringComparer.Ordinal)
            : [];
        foreach (var path in files.Concat(Prices.Catalogs))
        {
            try
            {
                var sheet = LiteLlmCatalogReader.ReadFile(path);
                builder.AddLayer(sheet.Layer, sheet.Prices);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
            {
                throw new ConfigurationException(SourcePath ?? path, 0, $"price catalogue {path} cannot be read: {ex.Message}", ex);
            }
        }

        foreach (var sheet in laterSheets)
        {
            builder.AddLayer(sheet.Layer, sheet.Prices);
        }

        if (Prices.Overrides.Count > 0)
        {
            var source = SourcePath ?? "configuration";
            builder.AddLayer("config", [.. Prices.Overrides.Select(o => o.ToModelPrice(source))]);
        }

        foreach (var (alias, target) in Prices.Aliases)
        {
            builder.AddAlias(alias, target);
        }

        foreach (var pattern in Prices.Patterns)
        {
            builder.AddPattern(pattern.Match, pattern.Model);
        }

        return builder.Build();
    }
}
