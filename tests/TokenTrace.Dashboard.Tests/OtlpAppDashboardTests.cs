using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using TokenTrace.Server;
using TokenTrace.Sqlite;

namespace TokenTrace.Dashboard.Tests;

/// <summary>
/// The check end to end: an app instrumented with OpenTelemetry only (examples/OpenTelemetry, its own process,
/// the real SDK and OTLP exporter configured by the standard <c>OTEL_EXPORTER_OTLP_*</c> variables) reports to a real
/// server, and its calls show up in the dashboard in headless Chromium. The loopback model server's canned usage
/// (examples/TokenTrace.Examples.ModelServer), priced at gpt-4o-mini's rates ($0.15 input, $0.075 cache read, $0.60
/// output per million):
/// <list type="bullet">
/// <item>JSON: 1200 prompt (1024 cached) → 176 + 1024 cache read, 300 output: 26.4 + 76.8 + 180 = 283.2 µ$, 1500 tokens;</item>
/// <item>streamed: 800 prompt (512 cached) → 288 + 512, 120 output: 43.2 + 38.4 + 72 = 153.6 µ$, 920 tokens;</item>
/// </list>
/// together 2 calls, 2420 tokens, 436.8 µ$, under the service's name as project.
/// </summary>
public sealed class OtlpAppDashboardTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private const int TimeoutMs = 30_000;
    private const string WriteSecret = "tt_otlp-app-write-secret-0123456789";
    private const string ReadSecret = "tt_otlp-app-read-secret-0123456789";

    [Fact]
    public async Task An_app_exporting_OTLP_to_the_server_shows_up_in_the_dashboard()
    {
        using var folder = new TempDirectory();
        await using var ledger = new UsageLedgerFactory().AddSqlite().Open("sqlite:" + folder.File("team.db"));
        var options = new TokenTraceServerOptions
        {
            Ledger = ledger,
            Pipeline = new UsageRecordPipeline(),
            Tokens = new ServerTokenSet([
                new ServerToken("dashboard", ServerTokenScope.Read, ServerTokenSet.Hash(ReadSecret)),
                new ServerToken("atlas", ServerTokenScope.Write, ServerTokenSet.Hash(WriteSecret)),
            ]),
        };
        await using var app = TokenTraceServer.Create(options, ["--urls", "http://127.0.0.1:0"], builder => builder.Logging.ClearProviders());
        await app.StartAsync();
        var address = new Uri(app.Urls.Single().TrimEnd('/') + "/");

        var output = await DotnetProcess.RunToSuccessAsync(
            "TokenTrace.Examples.OpenTelemetry.dll",
            folder.Path,
            new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = address.ToString().TrimEnd('/'),
                ["OTEL_EXPORTER_OTLP_HEADERS"] = "Authorization=Bearer " + WriteSecret,
            });
        Assert.Contains("Exported 2 gen_ai spans", output, StringComparison.Ordinal);

        var context = await fixture.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 }, TimezoneId = "UTC" });
        try
        {
            var page = await context.NewPageAsync();
            var errors = new List<string>();
            page.Console += (_, message) =>
            {
                if (message.Type is "error" or "warning")
                {
                    errors.Add(message.Text);
                }
            };
            await page.GotoAsync(address.ToString());
            await page.Locator("#token").FillAsync(ReadSecret);
            await page.Locator("#login-form button[type=submit]").ClickAsync();

            // The default range is the last 30 days up to now: the calls just made are in it.
            await page.WaitForFunctionAsync("() => document.querySelector('[data-kpi=cost]').dataset.value === '0.0004368'", null, new() { Timeout = TimeoutMs });
            Assert.Equal("2", await page.Locator("[data-kpi=records] b").InnerTextAsync());
            Assert.Equal("2,420", await page.Locator("[data-kpi=tokens] b").InnerTextAsync());
            var project = page.Locator("table[data-dimension=project] tbody tr[data-key='atlas-support'] td[data-field=costUsd]");
            Assert.Equal("0.0004368", await project.GetAttributeAsync("data-value"));
            var model = page.Locator("table[data-dimension=model] tbody tr[data-key='gpt-4o-mini-2024-07-18'] td[data-field=totalTokens]");
            Assert.Equal("2420", await model.GetAttributeAsync("data-value"));
            await page.ScreenshotAsync(new() { Path = Path.Combine(DashboardFixture.ScreenshotFolder, "dashboard-otlp-app.png"), FullPage = true });
            Assert.Empty(errors);
        }
        finally
        {
            await context.CloseAsync();
        }
    }
}
