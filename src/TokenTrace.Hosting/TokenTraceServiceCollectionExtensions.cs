using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenTrace.Sqlite;

namespace TokenTrace.Hosting;

/// <summary>Registers TokenTrace with a service collection: options, prices, the ledger and the tracker.</summary>
public static class TokenTraceServiceCollectionExtensions
{
    /// <summary>
    /// Adds TokenTrace configured in code. Registers <see cref="TokenTraceOptions"/> (validated when the host starts),
    /// <see cref="TimeProvider.System"/> unless a <see cref="TimeProvider"/> is registered, the <see cref="PriceCatalog"/>,
    /// the <see cref="IImpactEstimator"/>, a <see cref="UsageLedgerFactory"/> that opens SQLite, JSONL and CSV ledgers,
    /// the <see cref="IUsageLedger"/> the options name, and the <see cref="TokenTracker"/> (with every registered
    /// <see cref="IUsageSink"/>, the <see cref="ILoggerFactory"/>, the <see cref="TimeProvider"/> and the <see cref="IMeterFactory"/>), and a
    /// <see cref="BudgetAlerter"/> delivering to registered <see cref="IBudgetAlertSink"/>s and the configured webhooks (through the
    /// <c>IHttpClientFactory</c> client <see cref="TokenTraceWebhooks.HttpClientName"/>, with retries). Each is added only if absent,
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
        services.TryAddSingleton(CreateTracker);
        services.AddHttpClient(TokenTraceWebhooks.HttpClientName).AddResilienceHandler("tokentrace-webhook", static builder => builder.AddWebhookRetry());
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
        foreach (var sink in provider.GetServices<IUsageSink>())
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

    private static TokenTraceOptions OptionsOf(IServiceProvider provider) => provider.GetRequiredService<IOptions<TokenTraceOptions>>().Value;
}
