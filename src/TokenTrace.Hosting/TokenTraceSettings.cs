namespace TokenTrace.Hosting;

/// <summary>
/// Everything <c>tokentrace.yaml</c> holds, after <c>${VAR}</c> substitution and <c>TOKENTRACE_*</c> overrides.
/// Library users can bind the same shape through <c>IOptions&lt;TokenTraceSettings&gt;</c>.
/// </summary>
public sealed class TokenTraceSettings
{
    /// <summary>The ledger spec; null means the default SQLite file under <see cref="TokenTraceEnvironment.Home"/>.</summary>
    public string? Ledger { get; set; }

    /// <summary>The region assumed for records that name none.</summary>
    public string? Region { get; set; }

    /// <summary>Rotation, archiving and retention of JSONL and CSV ledgers.</summary>
    public FileLedgerOptions Files { get; set; } = new();

    /// <summary>Price catalogues and overrides.</summary>
    public PriceSettings Prices { get; } = new();

    /// <summary>Budgets declared in the file (they join the budgets kept in the ledger; a ledger budget of the same name wins).</summary>
    public IList<Budget> Budgets { get; } = [];

    /// <summary>Webhooks every budget alert is POSTed to.</summary>
    public IList<(Uri Url, string? Secret)> AlertWebhooks { get; } = [];

    /// <summary>Energy and carbon: basis and regions by model or provider.</summary>
    public ImpactSettings Impact { get; } = new();

    /// <summary>The file these settings came from, if any.</summary>
    public string? SourcePath { get; set; }

    /// <summary>The ledger spec in effect: <see cref="Ledger"/> or the default.</summary>
    public string LedgerSpec => Ledger ?? TokenTraceEnvironment.DefaultLedgerSpec;

    /// <summary>The energy and carbon estimator these settings describe.</summary>
    public EnergyEstimator BuildEstimator(PriceCatalog catalog) => new(catalog, Impact, Region);

    /// <summary>Builds the price catalogue: built-in, imported catalogues, configured catalogues, then overrides.</summary>
    /// <exception cref="ConfigurationException">A configured catalogue cannot be read.</exception>
    public PriceCatalog BuildCatalog()
    {
        var builder = PriceCatalog.CreateBuilder();
        var imported = TokenTraceEnvironment.ImportedCatalogDirectory;
        IEnumerable<string> files = Directory.Exists(imported) ? Directory.EnumerateFiles(imported, "*.json").Order(StringComparer.Ordinal) : [];
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

        if (Prices.Overrides.Count > 0)
        {
            builder.AddLayer("config", Prices.Overrides);
        }

        foreach (var (alias, target) in Prices.Aliases)
        {
            builder.AddAlias(alias, target);
        }

        foreach (var (pattern, model) in Prices.Patterns)
        {
            builder.AddPattern(pattern, model);
        }

        return builder.Build();
    }
}
