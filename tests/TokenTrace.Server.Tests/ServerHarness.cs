using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using TokenTrace.Sqlite;

namespace TokenTrace.Server.Tests;

/// <summary>
/// A real server on 127.0.0.1 (port 0) over a real SQLite file, with a write token, a read token, a device-bound write
/// token and a project-bound write token, every log line captured at Trace level, and an optional gate that can refuse
/// or swallow the answer to a chosen ingest request.
/// </summary>
public sealed class ServerHarness : IAsyncDisposable
{
    public const string WriteSecret = "tt_write-secret-for-tests-0123456789";
    public const string ReadSecret = "tt_read-secret-for-tests-0123456789";
    public const string DeviceSecret = "tt_device-secret-for-tests-0123456789";
    public const string ProjectSecret = "tt_project-secret-for-tests-0123456789";
    public const string ProjectReadSecret = "tt_project-read-secret-for-tests-0123456789";

    private readonly WebApplication _app;

    private ServerHarness(TempDirectory folder, IUsageLedger ledger, WebApplication app, FakeLoggerProvider logs, Uri address)
    {
        Folder = folder;
        Ledger = ledger;
        _app = app;
        Logs = logs;
        Address = address;
    }

    public TempDirectory Folder { get; }

    public IUsageLedger Ledger { get; }

    public string LedgerPath => Folder.File("team.db");

    public FakeLoggerProvider Logs { get; }

    public Uri Address { get; }

    /// <summary>Asked before each <c>POST /v1/records</c> with its number (from 1): what to do with it.</summary>
    public Func<int, IngestGate> Gate { get; set; } = _ => IngestGate.Pass;

    public static async Task<ServerHarness> StartAsync(long maxBodyBytes = 16L * 1024 * 1024, int burst = 1000, long maxDecompressedBytes = 256L * 1024 * 1024, string[]? args = null, bool otlpMetricRecords = false, Func<TempDirectory, string>? ledgerSpec = null, Func<IUsageLedger, IUsageLedger>? serveThrough = null)
    {
        var folder = new TempDirectory();
        var ledger = new UsageLedgerFactory().AddSqlite().Open(ledgerSpec?.Invoke(folder) ?? "sqlite:" + folder.File("team.db"));
        var tokens = new ServerTokenSet([
            new ServerToken("laptop", ServerTokenScope.Write, ServerTokenSet.Hash(WriteSecret)),
            new ServerToken("dashboard", ServerTokenScope.Read, ServerTokenSet.Hash(ReadSecret)),
            new ServerToken("ci-runner", ServerTokenScope.Write, ServerTokenSet.Hash(DeviceSecret), Device: "dev-ci"),
            new ServerToken("checkout-app", ServerTokenScope.Write, ServerTokenSet.Hash(ProjectSecret), Project: "checkout"),
            new ServerToken("checkout-dashboard", ServerTokenScope.Read, ServerTokenSet.Hash(ProjectReadSecret), Project: "checkout"),
        ]);
        var options = new TokenTraceServerOptions
        {
            Ledger = serveThrough?.Invoke(ledger) ?? ledger,
            Pipeline = new UsageRecordPipeline(),
            Tokens = tokens,
            MaxRequestBodyBytes = maxBodyBytes,
            MaxDecompressedBodyBytes = maxDecompressedBytes,
            RateLimitBurst = burst,
            RateLimitPerSecond = 1,
            OtlpMetricRecords = otlpMetricRecords,
        };
        var logs = new FakeLoggerProvider();
        ServerHarness? harness = null;
        var app = TokenTraceServer.Create(options, args ?? ["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(logs);
            builder.Services.AddSingleton<IStartupFilter>(new GateFilter(() => harness!));
        });
        await app.StartAsync();
        harness = new ServerHarness(folder, ledger, app, logs, new Uri(app.Urls.Single().TrimEnd('/') + "/"));
        return harness;
    }

    public HttpClient Client(string? secret)
    {
        var client = new HttpClient { BaseAddress = Address };
        if (secret is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Ledger.DisposeAsync();
        Logs.Dispose();
        Folder.Dispose();
    }

    private int _ingests;

    private sealed class GateFilter(Func<ServerHarness> harness) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, following) =>
            {
                if (context.Request.Method != "POST" || context.Request.Path != "/v1/records")
                {
                    await following(context);
                    return;
                }

                var h = harness();
                switch (h.Gate(Interlocked.Increment(ref h._ingests)))
                {
                    case IngestGate.Refuse:
                        context.Response.StatusCode = StatusCodes.Status400BadRequest;
                        await context.Response.WriteAsync("{\"error\":\"refused by the test\"}");
                        return;
                    case IngestGate.Unavailable:
                        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                        return;
                    case IngestGate.Hang:
                        // Waits for the client to give up (its request aborted), never for time to pass.
                        await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                        return;
                    case IngestGate.StoreThenDropAnswer:
                        // The batch is stored, but the answer never leaves: the sender sees a broken connection.
                        context.Response.Body = new MemoryStream();
                        await following(context);
                        context.Abort();
                        return;
                    case IngestGate.DropWhileReceiving:
                        context.Abort();
                        return;
                    default:
                        await following(context);
                        return;
                }
            });
            next(app);
        };
    }
}
