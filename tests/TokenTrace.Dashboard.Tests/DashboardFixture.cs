using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using TokenTrace.Server;
using TokenTrace.Sqlite;

namespace TokenTrace.Dashboard.Tests;

/// <summary>
/// A real server on 127.0.0.1 (port 0) over a real SQLite file holding <see cref="DashboardRecords"/>, its clock fixed at
/// <see cref="DashboardRecords.Now"/>, with a read and a write token and two budgets; and one headless Debian Chromium
/// driven by Playwright, shared by the class's tests (a browser start is the slow part).
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public const string ReadSecret = "tt_dashboard-read-secret-0123456789";
    public const string WriteSecret = "tt_dashboard-write-secret-0123456789";
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly TempDirectory _folder = new();
    private WebApplication? _app;
    private IUsageLedger? _ledger;
    private IPlaywright? _playwright;

    public Uri Address { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots go: <c>artifacts/screenshots/</c> under the test's output folder.</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        _ledger = new UsageLedgerFactory().AddSqlite().Open("sqlite:" + _folder.File("team.db"));
        await _ledger.AppendAsync(DashboardRecords.All);
        var options = new TokenTraceServerOptions
        {
            Ledger = _ledger,
            Pipeline = new UsageRecordPipeline(),
            Tokens = new ServerTokenSet([
                new ServerToken("dashboard", ServerTokenScope.Read, ServerTokenSet.Hash(ReadSecret)),
                new ServerToken("laptop", ServerTokenScope.Write, ServerTokenSet.Hash(WriteSecret)),
            ]),
            Budgets = DashboardRecords.Budgets,
            TimeProvider = new FixedClock(DashboardRecords.Now),
        };
        _app = TokenTraceServer.Create(options, ["--urls", "http://127.0.0.1:0"], builder => builder.Logging.ClearProviders());
        await _app.StartAsync();
        Address = new Uri(_app.Urls.Single().TrimEnd('/') + "/");

        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's 'chromium' package (apt-get install chromium; .ci/run does it) to run the dashboard tests.");
        }

        _playwright = await Playwright.CreateAsync();
        try
        {
            Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox"] });
        }
        catch (PlaywrightException ex)
        {
            throw new InvalidOperationException($"Chromium ({ChromiumPath}) could not start: install or repair Debian's 'chromium' package. {ex.Message}", ex);
        }

        Directory.CreateDirectory(ScreenshotFolder);
    }

    public HttpClient Client(string? secret)
    {
        var client = new HttpClient { BaseAddress = Address };
        if (secret is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        }

        return client;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (_ledger is not null)
        {
            await _ledger.DisposeAsync();
        }

        _folder.Dispose();
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
