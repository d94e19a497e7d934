using System.Net;
using System.Text.Json;
using Microsoft.Playwright;

namespace TokenTrace.Dashboard.Tests;

/// <summary>
/// The dashboard in headless Chromium against a real server over a real SQLite ledger: what it renders (figures worked
/// out by hand in <see cref="DashboardRecords"/>), that filters change them, that it asks nothing of another origin and
/// logs no error, and how it handles the read token. Screenshots land in <c>artifacts/screenshots/</c>.
/// </summary>
public sealed class DashboardPageTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private const int TimeoutMs = 30_000;
    private const string Since = "2026-11-14";
    private const string Until = "2026-11-20";

    [Fact]
    public async Task The_dashboard_shows_totals_by_model_project_user_and_device_budgets_and_top_sessions()
    {
        await using var session = await OpenSignedInAsync();
        var page = session.Page;

        // Totals: $4.00, 9,250 tokens, 4 calls, 6.5 Wh (3.25–13 Wh), 2.6 g (1.3–5.2 g).
        Assert.Equal("$4.00", await page.Locator("[data-kpi=cost] b").InnerTextAsync());
        Assert.Equal("9,250", await page.Locator("[data-kpi=tokens] b").InnerTextAsync());
        Assert.Equal("4", await page.Locator("[data-kpi=records] b").InnerTextAsync());
        Assert.Equal("6.50 Wh", await page.Locator("[data-kpi=energy] b").InnerTextAsync());
        Assert.Equal("2.60 g", await page.Locator("[data-kpi=co2e] b").InnerTextAsync());

        Assert.Equal(("$3.50", "3.5"), await CellAsync(page, "model", "gpt-4o", "costUsd"));
        Assert.Equal(("6,250", "6250"), await CellAsync(page, "model", "gpt-4o", "totalTokens"));
        Assert.Equal(("$0.50", "0.5"), await CellAsync(page, "model", "claude-haiku-4-5", "costUsd"));
        Assert.Equal(("$2.50", "2.5"), await CellAsync(page, "project", "docs", "costUsd"));
        Assert.Equal(("$1.50", "1.5"), await CellAsync(page, "project", "checkout", "costUsd"));
        Assert.Equal(("$3.25", "3.25"), await CellAsync(page, "user", "alice", "costUsd"));
        Assert.Equal(("$0.75", "0.75"), await CellAsync(page, "user", "bob", "costUsd"));
        Assert.Equal(("$3.25", "3.25"), await CellAsync(page, "device", "laptop", "costUsd"));
        Assert.Equal(("$0.75", "0.75"), await CellAsync(page, "device", "ci", "costUsd"));
        Assert.Equal("5.00 Wh", (await CellAsync(page, "device", "laptop", "energyWh")).Text); // r1 2.0 + r3 3.0
        Assert.Equal("2.00 g", (await CellAsync(page, "device", "laptop", "co2eGrams")).Text); // r1 0.8 + r3 1.2
        Assert.Equal("400 mg", (await CellAsync(page, "model", "claude-haiku-4-5", "co2eGrams")).Text); // r2 0.4 g
        Assert.Equal("500 mWh", (await CellAsync(page, "session", "s-3", "energyWh")).Text); // r4 0.5 Wh

        // Top sessions, most expensive first: s-1 $3.25, s-2 $0.50, s-3 $0.25.
        var sessions = await page.Locator("#sessions tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.key)");
        Assert.Equal(["s-1", "s-2", "s-3"], sessions);
        Assert.Equal("$3.25", (await CellAsync(page, "session", "s-1", "costUsd")).Text);

        // Budgets with their forecast band: all-monthly $4.00 of $10 (40 %), expected $23.6875; checkout-daily $0.25 of $1
        // (25 %), expected $0.5625.
        var monthly = page.Locator("#budgets tr[data-budget=all-monthly]");
        Assert.Equal("$4.00", await monthly.Locator("[data-field=spend]").InnerTextAsync());
        Assert.Equal("$10.00", await monthly.Locator("[data-field=limit]").InnerTextAsync());
        Assert.Equal("40.0 %", await monthly.Locator("[data-field=percent]").InnerTextAsync());
        var expected = monthly.Locator("[data-field=expected]");
        Assert.Equal("23.6875", await expected.GetAttributeAsync("data-value"));
        // The 80 % band: ± z80 1.2815516 × σ 0.1767767 × √(½ + 10 days) 3.2403703 = ± 0.7341009 → 22.953399 … 24.421601.
        Assert.Equal("22.953399", await expected.GetAttributeAsync("data-low"));
        Assert.Equal("24.421601", await expected.GetAttributeAsync("data-high"));
        Assert.Equal("$23.69 ($22.95 – $24.42)", await expected.InnerTextAsync());
        Assert.Equal("num over-limit", await expected.GetAttributeAsync("class")); // expected $23.69 > $10
        Assert.Null(await monthly.GetAttributeAsync("class")); // not spent yet
        Assert.Equal(1, await monthly.Locator("svg rect.forecast-band").CountAsync());
        var daily = page.Locator("#budgets tr[data-budget=checkout-daily]");
        Assert.Equal("25.0 %", await daily.Locator("[data-field=percent]").InnerTextAsync());
        Assert.Equal("0.5625", await daily.Locator("[data-field=expected]").GetAttributeAsync("data-value"));
        // σ = √(2 × 0.625²) = 0.8838835 (days $1.25 and $0); ± 1.2815516 × 0.8838835 × √½ = ± 0.8009697: the low end is
        // never below the spend ($0.25), the high end 1.3634697 → 1.36347.
        Assert.Equal("0.25", await daily.Locator("[data-field=expected]").GetAttributeAsync("data-low"));
        Assert.Equal("1.36347", await daily.Locator("[data-field=expected]").GetAttributeAsync("data-high"));
        Assert.Contains("hard", await daily.Locator("td").Nth(1).InnerTextAsync(), StringComparison.Ordinal);

        // The chart: one stacked bar segment per (day, model) with usage: 11-18 gpt-4o and claude, 11-19 and 11-20 gpt-4o.
        Assert.Equal("true", await page.Locator("#chart").GetAttributeAsync("data-rendered"));
        Assert.Equal("4", await page.Locator("#chart").GetAttributeAsync("data-marks"));
        Assert.Equal(7, await page.Locator("#chart svg text").Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^11-\\d\\d$") }).CountAsync());

        await page.ScreenshotAsync(new() { Path = Path.Combine(DashboardFixture.ScreenshotFolder, "dashboard.png"), FullPage = true });

        // Split by device: laptop $3.25, ci $0.75 in the legend; by CO2e: laptop 2.00 g.
        await page.Locator("#chart-by button[data-by=device]").ClickAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('chart').dataset.by === 'device'", null, new() { Timeout = TimeoutMs });
        Assert.Equal("laptop $3.25", await page.Locator("#legend li[data-key=laptop]").InnerTextAsync());
        await page.Locator("#chart-metric button[data-metric=co2eGrams]").ClickAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('chart').dataset.metric === 'co2eGrams'", null, new() { Timeout = TimeoutMs });
        Assert.Equal("laptop 2.00 g", await page.Locator("#legend li[data-key=laptop]").InnerTextAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(DashboardFixture.ScreenshotFolder, "dashboard-by-device-co2e.png"), FullPage = true });

        session.AssertClean(fixture.Address);
    }

    [Fact]
    public async Task Choosing_a_project_or_a_device_changes_every_figure()
    {
        await using var session = await OpenSignedInAsync();
        var page = session.Page;
        Assert.Equal(["", "checkout", "docs"], await page.Locator("#f-project option").EvaluateAllAsync<string[]>("o => o.map(x => x.value)"));
        Assert.Equal(["", "ci", "laptop"], await page.Locator("#f-device option").EvaluateAllAsync<string[]>("o => o.map(x => x.value)"));

        // project=docs: r2 + r3 = $2.50, 2 calls; gpt-4o $2.00, claude $0.50; laptop $2.00, ci $0.50.
        await page.Locator("#f-project").SelectOptionAsync("docs");
        await WaitForCostAsync(page, "2.5");
        Assert.Equal("$2.50", await page.Locator("[data-kpi=cost] b").InnerTextAsync());
        Assert.Equal("2", await page.Locator("[data-kpi=records] b").InnerTextAsync());
        Assert.Equal(("$2.00", "2"), await CellAsync(page, "model", "gpt-4o", "costUsd"));
        Assert.Equal(("$0.50", "0.5"), await CellAsync(page, "model", "claude-haiku-4-5", "costUsd"));
        Assert.Equal(("$2.00", "2"), await CellAsync(page, "device", "laptop", "costUsd"));
        Assert.Equal(("$0.50", "0.5"), await CellAsync(page, "device", "ci", "costUsd"));
        Assert.Equal(0, await page.Locator("table[data-dimension=project] tr[data-key=checkout]").CountAsync());
        Assert.Equal("2", await page.Locator("#chart").GetAttributeAsync("data-marks"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(DashboardFixture.ScreenshotFolder, "dashboard-project-docs.png"), FullPage = true });

        // device=ci alone: r2 + r4 = $0.75, 2 calls, users bob only.
        await page.Locator("#f-project").SelectOptionAsync("");
        await WaitForCostAsync(page, "4");
        await page.Locator("#f-device").SelectOptionAsync("ci");
        await WaitForCostAsync(page, "0.75");
        Assert.Equal("2", await page.Locator("[data-kpi=records] b").InnerTextAsync());
        Assert.Equal(["bob"], await page.Locator("table[data-dimension=user] tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.key)"));

        // A narrower date range: 11-20 only, device=ci: r4 = $0.25.
        await page.Locator("#f-since").FillAsync("2026-11-20");
        await page.Locator("#filters button[type=submit]").ClickAsync();
        await WaitForCostAsync(page, "0.25");
        Assert.Equal(("$0.25", "0.25"), await CellAsync(page, "model", "gpt-4o", "costUsd"));

        session.AssertClean(fixture.Address);
    }

    [Fact]
    public async Task A_refused_token_asks_again_and_the_token_stays_out_of_urls_and_storage_that_outlives_the_tab()
    {
        await using var session = await OpenAsync();
        var page = session.Page;
        var response = await page.GotoAsync(fixture.Address.ToString());
        Assert.NotNull(response);
        var csp = await response.HeaderValueAsync("content-security-policy");
        Assert.StartsWith("default-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("form-action 'none'", csp, StringComparison.Ordinal);

        await SignInAsync(page, "tt_not-a-token");
        await page.WaitForFunctionAsync("() => document.getElementById('login-error').textContent.length > 0", null, new() { Timeout = TimeoutMs });
        Assert.Contains("refused", await page.Locator("#login-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await page.Locator("#app").IsHiddenAsync());
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('tokentrace.readToken')"));

        await SignInAsync(page, DashboardFixture.ReadSecret);
        await page.WaitForFunctionAsync("() => document.querySelector('[data-kpi=cost]').dataset.value !== undefined", null, new() { Timeout = TimeoutMs });
        Assert.Equal(DashboardFixture.ReadSecret, await page.EvaluateAsync<string?>("() => sessionStorage.getItem('tokentrace.readToken')"));
        Assert.Equal(0, await page.EvaluateAsync<int>("() => localStorage.length"));
        Assert.Empty(await session.Context.CookiesAsync());

        // A reload in the same tab keeps the token (sessionStorage); "Forget token" drops it.
        await page.ReloadAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('[data-kpi=cost]').dataset.value !== undefined", null, new() { Timeout = TimeoutMs });
        Assert.True(await page.Locator("#login").IsHiddenAsync());
        await page.Locator("#sign-out").ClickAsync();
        Assert.True(await page.Locator("#login").IsVisibleAsync());
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('tokentrace.readToken')"));

        Assert.DoesNotContain(session.Requests, r => r.Contains("tt_", StringComparison.Ordinal));
        Assert.Contains(session.ApiAuthorizations, a => a == "Bearer " + DashboardFixture.ReadSecret);

        // The refused token's 401 is the only error the browser logs (the fetch's failed status); nothing else.
        Assert.All(session.ConsoleErrors, e => Assert.Contains("401", e, StringComparison.Ordinal));
        Assert.All(session.Requests, r => Assert.StartsWith(fixture.Address.GetLeftPart(UriPartial.Authority), r, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_dashboard_fits_a_390_pixel_phone()
    {
        await using var session = await OpenSignedInAsync(width: 390);
        var page = session.Page;
        Assert.Equal("$4.00", await page.Locator("[data-kpi=cost] b").InnerTextAsync());
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.clientWidth, document.documentElement.scrollWidth]");
        var (viewport, scroll) = (widths[0], widths[1]);
        Assert.Equal(390, viewport);
        Assert.True(scroll <= viewport, $"the page is {scroll} px wide in a {viewport} px window");
        await page.ScreenshotAsync(new() { Path = Path.Combine(DashboardFixture.ScreenshotFolder, "dashboard-phone.png"), FullPage = true });
        session.AssertClean(fixture.Address);
    }

    [Fact]
    public async Task Days_are_the_browsers_own_until_another_time_zone_is_chosen()
    {
        // A browser in Tokyo (UTC+9, no daylight saving). 2026-11-19 in Tokyo is 11-18 15:00 … 11-19 15:00 UTC: r2 (11-18
        // 15:00 UTC, Tokyo midnight) $0.50 + r3 (11-19 10:30 UTC) $2.00 = $2.50, 2 calls. 2026-11-19 in UTC holds r3 alone:
        // $2.00, 1 call.
        await using var session = await OpenAsync(timeZoneId: "Asia/Tokyo");
        var page = session.Page;
        await page.GotoAsync(fixture.Address.ToString());
        await SignInAsync(page, DashboardFixture.ReadSecret);
        await page.WaitForFunctionAsync("() => document.getElementById('range-label').textContent.length > 0", null, new() { Timeout = TimeoutMs });
        Assert.Equal(["Asia/Tokyo", "UTC"], await page.Locator("#f-tz option").EvaluateAllAsync<string[]>("o => o.map(x => x.value)"));
        Assert.Equal("Asia/Tokyo", await page.Locator("#f-tz").InputValueAsync());

        await page.Locator("#f-since").FillAsync("2026-11-19");
        await page.Locator("#f-until").FillAsync("2026-11-19");
        await page.Locator("#filters button[type=submit]").ClickAsync();
        await WaitForCostAsync(page, "2.5");
        Assert.Equal("From 2026-11-19 to 2026-11-19 (Asia/Tokyo)", await page.Locator("#range-label").InnerTextAsync());
        Assert.Equal("2", await page.Locator("[data-kpi=records] b").InnerTextAsync());
        Assert.Equal(("$0.50", "0.5"), await CellAsync(page, "model", "claude-haiku-4-5", "costUsd"));
        Assert.Equal("2", await page.Locator("#chart").GetAttributeAsync("data-marks")); // one day, two models
        Assert.Contains(session.Requests, url => url.Contains("/v1/report?", StringComparison.Ordinal) && url.Contains("tz=Asia%2FTokyo", StringComparison.Ordinal));

        await page.Locator("#f-tz").SelectOptionAsync("UTC");
        await WaitForCostAsync(page, "2");
        Assert.Equal("From 2026-11-19 to 2026-11-19 (UTC)", await page.Locator("#range-label").InnerTextAsync());
        Assert.Equal("1", await page.Locator("[data-kpi=records] b").InnerTextAsync());
        Assert.Equal(0, await page.Locator("table[data-dimension=model] tr[data-key=claude-haiku-4-5]").CountAsync());

        session.AssertClean(fixture.Address);
    }

    [Fact]
    public async Task The_report_api_answers_the_report_json_to_read_tokens_only()
    {
        using var anonymous = fixture.Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("v1/report")).StatusCode);
        using var writer = fixture.Client(DashboardFixture.WriteSecret);
        Assert.Equal(HttpStatusCode.Forbidden, (await writer.GetAsync("v1/report")).StatusCode);

        using var reader = fixture.Client(DashboardFixture.ReadSecret);
        Assert.Equal(HttpStatusCode.BadRequest, (await reader.GetAsync("v1/report?days=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await reader.GetAsync("v1/report?since=yesterday")).StatusCode);

        // The default range is the last 30 days up to the end of the server's today (2026-11-20): 10-22 … 11-20.
        using var report = JsonDocument.Parse(await reader.GetStringAsync("v1/report"));
        var root = report.RootElement;
        Assert.Equal("2026-10-22T00:00:00.0000000Z", root.GetProperty("since").GetString());
        Assert.Equal("2026-11-21T00:00:00.0000000Z", root.GetProperty("until").GetString());
        Assert.Equal(30, root.GetProperty("daily").GetArrayLength());
        Assert.Equal(4m, root.GetProperty("byModel").GetProperty("total").GetProperty("costUsd").GetDecimal());
        Assert.Equal(2.5m, root.GetProperty("byProject").GetProperty("rows")[0].GetProperty("costUsd").GetDecimal());
        var budgets = root.GetProperty("budgets");
        Assert.Equal("all-monthly", budgets[0].GetProperty("name").GetString());
        Assert.Equal(23.6875m, budgets[0].GetProperty("forecast").GetProperty("expected").GetDecimal());
        Assert.Equal("s-1", root.GetProperty("topSessions")[0].GetProperty("session").GetString());

        // Filters as /v1/summary reads them: device by its tag, project by name.
        using var ci = JsonDocument.Parse(await reader.GetStringAsync("v1/report?since=2026-11-14&until=2026-11-20&tag=device.name%3Dci&project=checkout"));
        Assert.Equal(0.25m, ci.RootElement.GetProperty("byModel").GetProperty("total").GetProperty("costUsd").GetDecimal());
        Assert.Equal(7, ci.RootElement.GetProperty("daily").GetArrayLength());
    }

    private async Task<BrowserSession> OpenAsync(int width = 1280, string timeZoneId = "UTC")
    {
        var context = await fixture.Browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = 900 }, Locale = "de-DE", TimezoneId = timeZoneId });
        var page = await context.NewPageAsync();
        var session = new BrowserSession(context, page);
        page.Request += (_, request) =>
        {
            session.Requests.Add(request.Url);
            if (request.Url.Contains("/v1/", StringComparison.Ordinal) && request.Headers.TryGetValue("authorization", out var authorization))
            {
                session.ApiAuthorizations.Add(authorization);
            }
        };
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                session.ConsoleErrors.Add(message.Type + ": " + message.Text);
            }
        };
        page.PageError += (_, error) => session.ConsoleErrors.Add("page error: " + error);
        return session;
    }

    private async Task<BrowserSession> OpenSignedInAsync(int width = 1280)
    {
        var session = await OpenAsync(width);
        var page = session.Page;
        await page.GotoAsync(fixture.Address.ToString());
        await SignInAsync(page, DashboardFixture.ReadSecret);
        await page.WaitForFunctionAsync("() => document.getElementById('range-label').textContent.length > 0", null, new() { Timeout = TimeoutMs });
        await page.Locator("#f-since").FillAsync(Since);
        await page.Locator("#f-until").FillAsync(Until);
        await page.Locator("#filters button[type=submit]").ClickAsync();
        await page.WaitForFunctionAsync($"() => document.getElementById('range-label').textContent === 'From {Since} to {Until} (UTC)'", null, new() { Timeout = TimeoutMs });
        return session;
    }

    private static async Task SignInAsync(IPage page, string token)
    {
        await page.Locator("#token").FillAsync(token);
        await page.Locator("#login-form button[type=submit]").ClickAsync();
    }

    private static Task WaitForCostAsync(IPage page, string value) =>
        page.WaitForFunctionAsync($"() => document.querySelector('[data-kpi=cost]').dataset.value === '{value}' && document.getElementById('status').textContent === ''", null, new() { Timeout = TimeoutMs });

    private static async Task<(string Text, string? Value)> CellAsync(IPage page, string dimension, string key, string field)
    {
        var cell = page.Locator($"table[data-dimension={dimension}] tbody tr[data-key='{key}'] td[data-field={field}]");
        return (await cell.InnerTextAsync(), await cell.GetAttributeAsync("data-value"));
    }

    private sealed class BrowserSession(IBrowserContext context, IPage page) : IAsyncDisposable
    {
        public IBrowserContext Context { get; } = context;

        public IPage Page { get; } = page;

        public System.Collections.Concurrent.ConcurrentBag<string> Requests { get; } = [];

        public System.Collections.Concurrent.ConcurrentBag<string> ApiAuthorizations { get; } = [];

        public System.Collections.Concurrent.ConcurrentBag<string> ConsoleErrors { get; } = [];

        /// <summary>No console error or warning, no page error, and every request to the server's own origin.</summary>
        public void AssertClean(Uri server)
        {
            Assert.Empty(ConsoleErrors);
            var origin = server.GetLeftPart(UriPartial.Authority);
            Assert.NotEmpty(Requests);
            Assert.All(Requests, r => Assert.StartsWith(origin + "/", r, StringComparison.Ordinal));
        }

        public async ValueTask DisposeAsync() => await Context.CloseAsync();
    }
}
