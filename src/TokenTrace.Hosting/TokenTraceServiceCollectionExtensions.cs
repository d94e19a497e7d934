using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TokenTrace.Sqlite;

namespace TokenTrace.Hosting;

/// <summary>Registers TokenTrace with a service collection: options, prices, the ledger and the tracker.</summary>
public static partial class TokenTraceServiceCollectionExtensions
{
    /// <summary>
    /// Adds TokenTrace configured in code. Registers <see cref="TokenTraceOptions"/> (validated when the host starts),
    /// <see cref="TimeProvider.System"/> unless a <see cref="TimeProvider"/> is registered, the <see cref="PriceCatalog"/>,
    /// the <see cref="IImpactEstimator"/>, a <see cref="UsageLedgerFactory"/> that opens SQLite, JSONL and CSV ledgers,
    /// the <see cref="IUsageLedger"/> the options name, the <see cref="TokenTraceExporters"/> the <see cref="TokenTraceOptions.Exporters"/>
    /// settings turn on, the <see cref="TokenTracker"/> (with every registered <see cref="IUsageSink"/> and those exporters, the <see cref="ILoggerFactory"/>, the <see cref="TimeProvider"/> and the <see cref="IMeterFactory"/>), and a
    /// <see cref="BudgetAlerter"/> delivering to registered <see cref="IBudgetAlertSink"/>s and the configured webhooks (through the
    /// <c>IHttpClientFactory</c> client <see cref="TokenTraceWebhooks.HttpClientName"/>, with retries), and a <see cref="BudgetEnforcer"/> over the ledger's budgets and the configured ones, which
    /// <c>UseTokenTrace()</c> takes to refuse calls that would cross a hard budget. Each is added only if absent,
    /// so registering your own first replaces it.
    /// </summary>
    public static IServiceCollection AddTokenTrace(this IServiceCollection services, Action<TokenTraceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<TokenTraceOptions>().Configure(configure);
        return AddServices(services);
    }

    /// <summary>
    /// Adds TokenTrace bound from a configuration section (conventionally <see cref="TokenTraceOptions.SectionName"/>),
    /// then <paramref name="configure"/>, if given. Registers the same services as
    /// <see cref="AddTokenTrace(IServiceCollection, Action{TokenTraceOptions})"/>.
    /// </summary>
    public static IServiceCollection AddTokenTrace(this IServiceCollection services, IConfiguration configuration, Action<TokenTraceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = services.AddOptions<TokenTraceOptions>().Bind(configuration);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return AddServices(services);
    }

    private static IServiceCollection AddServices(IServiceCollection services)
    {
        services.AddOptions<TokenTraceOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TokenTraceOptions>, TokenTraceOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static provider => OptionsOf(provider).BuildCatalog());
        services.TryAddSingleton<IImpactEstimator>(static provider => OptionsOf(provider).BuildEstimator(provider.GetRequiredService<PriceCatalog>()));
        services.TryAddSingleton(static _ => new UsageLedgerFactory().AddSqlite());
        services.TryAddSingleton(static provider =>
        {
            var options = OptionsOf(provider);
            return provider.GetRequiredService<UsageLedgerFactory>().Open(options.LedgerSpec, options.Files.ToFileLedgerOptions());
        });
        services.TryAddSingleton(CreateExporters);
        services.TryAddSingleton(CreateTracker);
        services.TryAddSingleton(CreateBudgetEnforcer);
        // No request logging on the webhook clients: a webhook URL's path often holds its own token.
        services.AddHttpClient(TokenTraceWebhooks.HttpClientName).RemoveAllLoggers().AddResilienceHandler("tokentrace-webhook", static builder => builder.AddWebhookRetry());
        services.AddHttpClient(TokenTraceWebhooks.ExporterHttpClientName).RemoveAllLoggers().AddResilienceHandler("tokentrace-export", static (builder, context) =>
        {
            var webhook = context.ServiceProvider.GetRequiredService<IOptions<TokenTraceOptions>>().Value.Exporters.Webhook ?? new WebhookExporterSettings();
            builder.AddExporterRetry(webhook.MaxAttempts, webhook.RetryDelay);
        });
        services.TryAddSingleton(CreateAlerter);
        return services;
    }

    /// <summary>
    /// The alerter: every registered <see cref="IBudgetAlertSink"/> plus one per configured webhook, sent through the
    /// <see cref="TokenTraceWebhooks.HttpClientName"/> client; delivered alerts remembered in the ledger.
    /// </summary>
    private static BudgetAlerter CreateAlerter(IServiceProvider provider)
    {
        var options = OptionsOf(provider);
        var store = provider.GetRequiredService<IUsageLedger>().GetService<IBudgetStore>()
            ?? throw new InvalidOperationException($"The ledger {options.LedgerSpec} keeps no budgets, so it cannot remember which alerts were delivered.");
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient(TokenTraceWebhooks.HttpClientName);
        var sinks = provider.GetServices<IBudgetAlertSink>().Concat(TokenTraceWebhooks.CreateSinks(options.Alerts, http, provider.GetRequiredService<TimeProvider>()));
        return new BudgetAlerter(store, sinks, provider.GetService<ILoggerFactory>()?.CreateLogger<BudgetAlerter>());
    }

    /// <summary>The one place that constructs the tracker, so that a change to its constructor is a change here only.</summary>
    private static TokenTracker CreateTracker(IServiceProvider provider)
    {
        var options = OptionsOf(provider);
        var trackerOptions = new TokenTrackerOptions
        {
            Pipeline =
            {
                Catalog = provider.GetRequiredService<PriceCatalog>(),
                ImpactEstimator = provider.GetRequiredService<IImpactEstimator>(),
                DefaultAttribution = options.DefaultAttribution.ToAttribution(),
                DefaultRegion = options.Region,
            },
            Batching = options.Tracker,
            Telemetry = options.Telemetry,
        };
        foreach (var sink in provider.GetServices<IUsageSink>().Concat(provider.GetRequiredService<TokenTraceExporters>().Sinks))
        {
            trackerOptions.Sinks.Add(sink);
        }

        return new TokenTracker(
            provider.GetRequiredService<IUsageLedger>(),
            trackerOptions,
            provider.GetService<ILoggerFactory>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetService<IMeterFactory>());
    }

    /// <summary>
    /// The exporters the options turn on. Resolved by the tracker's factory, so the container creates them before the
    /// tracker and disposes them after it: the tracker's last records reach the exporters before they drain.
    /// </summary>
    private static TokenTraceExporters CreateExporters(IServiceProvider provider)
    {
        var settings = OptionsOf(provider).Exporters;
        var http = settings.Webhook is null ? null : provider.GetRequiredService<IHttpClientFactory>().CreateClient(TokenTraceWebhooks.ExporterHttpClientName);
        return new TokenTraceExporters(settings, http, provider.GetService<ILoggerFactory>(), provider.GetRequiredService<TimeProvider>(), provider.GetService<IMeterFactory>());
    }

    /// <summary>
    /// The hard-budget check <c>UseTokenTrace()</c> picks up: the budgets kept in the ledger plus those in the options that
    /// the ledger does not override (as the CLI reads them), read once when first resolved.
    /// </summary>
    private static BudgetEnforcer CreateBudgetEnforcer(IServiceProvider provider)
    {
        var tracker = provider.GetRequiredService<TokenTracker>();
        var configured = OptionsOf(provider).BuildBudgets();

        // A DI factory cannot await; the built-in stores answer this from a local file or SQLite, once. A store that cannot
        // answer (a damaged budgets file, an unreachable server) must not make every chat client unresolvable: the
        // configured budgets still hold, and the problem is logged.
        IReadOnlyList<Budget> stored = [];
        try
        {
            stored = tracker.Ledger.GetService<IBudgetStore>() is { } store ? store.ListBudgetsAsync().GetAwaiter().GetResult() : [];
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var logger = provider.GetService<ILoggerFactory>()?.CreateLogger(typeof(TokenTraceServiceCollectionExtensions).FullName!) ?? NullLogger.Instance;
            LogStoredBudgetsUnreadable(logger, ex, tracker.Ledger.Spec);
        }

        var budgets = stored.Concat(configured.Where(c => stored.All(s => s.Name != c.Name)));
        return new BudgetEnforcer(tracker.Ledger, budgets, tracker.FlushAsync, provider.GetRequiredService<TimeProvider>());
    }

    [LoggerMessage(1, LogLevel.Error, "The budgets kept in ledger {Ledger} could not be read; only the configured budgets are enforced until the app restarts")]
    private static partial void LogStoredBudgetsUnreadable(ILogger logger, Exception exception, string ledger);

    private static TokenTraceOptions OptionsOf(IServiceProvider provider) => provider.GetRequiredService<IOptions<TokenTraceOptions>>().Value;
}
