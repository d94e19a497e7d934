using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace TokenTrace.Server;

/// <summary>
/// Builds the TokenTrace server: Kestrel with minimal APIs over one ledger. <c>POST /v1/records</c>, <c>/v1/budgets/reserve</c> and <c>/v1/budgets/settle</c> (write tokens),
/// <c>POST /v1/traces</c> and <c>/v1/metrics</c> (OTLP/HTTP, write tokens),
/// <c>GET /v1/summary</c>, <c>/v1/budgets</c> and <c>/metrics</c> (read tokens), <c>GET /healthz</c> (open), <c>GET /v1/report</c> (read tokens) and the dashboard page at <c>/</c> (docs/end_user/dashboard.md). It listens on
/// <c>http://127.0.0.1:5080</c> unless <c>--urls</c>/<c>ASPNETCORE_URLS</c> or Kestrel's configuration (TLS
/// certificates included) say otherwise. See docs/end_user/server.md.
/// </summary>
public static class TokenTraceServer
{
    /// <summary>The address the server listens on when none is given: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>
    /// A server application for <paramref name="options"/>, not started. <paramref name="args"/> are host arguments
    /// (<c>--urls</c>, <c>--Kestrel:Certificates:Default:Path=…</c>); <paramref name="configure"/> may add to the builder
    /// (logging, configuration) before the application is built.
    /// </summary>
    public static WebApplication Create(TokenTraceServerOptions options, string[]? args = null, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(args ?? []);
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        // The slim builder leaves out Kestrel's HTTPS configuration; this brings back https:// URLs with the certificate
        // from configuration (Kestrel:Certificates:Default:Path/KeyPath/Password, or Kestrel:Endpoints).
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
        });
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                RateLimitPartition.GetTokenBucketLimiter(PartitionOf(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(1, options.RateLimitBurst),
                    TokensPerPeriod = Math.Max(1, options.RateLimitPerSecond),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
        });
        configure?.Invoke(builder);

        var app = builder.Build();
        var metrics = new ServerMetrics();
        var endpoints = new ServerEndpoints(options, metrics);
        app.Use(endpoints.AuthenticateAndCountAsync);
        app.UseRateLimiter();
        app.MapPost("/v1/records", context => metrics.IngestLatency.TimeAsync(endpoints.IngestAsync, context));
        var otlp = new Otlp.OtlpEndpoints(options, endpoints, metrics);
        app.MapPost("/v1/traces", context => metrics.OtlpLatency.TimeAsync(otlp.TracesAsync, context));
        app.MapPost("/v1/metrics", context => metrics.OtlpLatency.TimeAsync(otlp.MetricsAsync, context));
        app.MapGet("/v1/summary", (RequestDelegate)endpoints.SummaryAsync);
        app.MapGet("/v1/budgets", (RequestDelegate)endpoints.BudgetsAsync);
        app.MapPost("/v1/budgets/reserve", (RequestDelegate)endpoints.ReserveAsync);
        app.MapPost("/v1/budgets/settle", (RequestDelegate)endpoints.SettleAsync);
        app.MapGet("/healthz", (RequestDelegate)endpoints.HealthAsync);
        app.MapGet("/metrics", (RequestDelegate)endpoints.MetricsAsync);
        var readThrough = new ReadThroughEndpoints(options);
        app.MapGet("/v1/records", (RequestDelegate)readThrough.RecordsAsync);
        app.MapGet("/v1/budgets/definitions", (RequestDelegate)readThrough.DefinitionsAsync);
        app.MapGet("/v1/budgets/reservations", (RequestDelegate)readThrough.ReservationsAsync);
        DashboardEndpoints.Map(app, options);
        return app;
    }

    /// <summary>Each token has its own allowance; requests without a valid token share one per client address.</summary>
    private static string PartitionOf(HttpContext context) =>
        context.Items[ServerEndpoints.TokenKey] is ServerToken token ? "token:" + token.Name : "anonymous:" + context.Connection.RemoteIpAddress;
}
