using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TokenTrace.Reports;

namespace TokenTrace.Server;

/// <summary>
/// The dashboard: one page (<c>/</c> and <c>/dashboard</c>) with its script, style sheet and icon, embedded in the
/// assembly and served under a Content-Security-Policy that allows nothing from another origin, and <c>GET /v1/report</c>
/// (the <c>tokentrace report --format json</c> shape) that it reads with the other read APIs. The page's files hold no
/// data, so they are open; every number comes from an API that needs a read token.
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>
    /// Only this origin, for everything: no inline script or style (the page builds its SVG through the DOM), no frames
    /// around it, and no form may submit anywhere (the token form is handled by the script, so a token never lands in a URL).
    /// </summary>
    public const string ContentSecurityPolicy = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

    private const int DefaultDays = 30;

    private const int MaxDays = 3660;

    private static readonly (string Path, string Resource, string ContentType)[] Assets =
    [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/dashboard", "index.html", "text/html; charset=utf-8"),
        ("/dashboard/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8"),
        ("/dashboard/dashboard.css", "dashboard.css", "text/css; charset=utf-8"),
        ("/dashboard/icon.svg", "icon.svg", "image/svg+xml"),
    ];

    public static void Map(WebApplication app, TokenTraceServerOptions options)
    {
        foreach (var (path, resource, contentType) in Assets)
        {
            var bytes = Load(resource);
            app.MapGet(path, (RequestDelegate)(context => AssetAsync(context, bytes, contentType)));
        }

        app.MapGet("/v1/report", (RequestDelegate)(context => ReportAsync(context, options)));
    }

    private static byte[] Load(string name)
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("TokenTrace.Server.Dashboard." + name)
            ?? throw new InvalidOperationException($"the dashboard's {name} is not embedded in the assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static async Task AssetAsync(HttpContext context, byte[] bytes, string contentType)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        context.Response.ContentType = contentType;
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>GET /v1/report</c>: the report of <c>tokentrace report --format json</c> for the query string's filters
    /// (<see cref="ServerQuery"/>), over <c>since</c>…<c>until</c> or the last <c>days</c> (30) days in <c>tz</c>, with
    /// every budget (stored and configured) and its forecast. A project-bound read token sees its project and its
    /// project's budgets only.
    /// </summary>
    private static async Task ReportAsync(HttpContext context, TokenTraceServerOptions options)
    {
        if (await ServerEndpoints.RequireAsync(context, ServerTokenScope.Read).ConfigureAwait(false) is not { } token)
        {
            return;
        }

        UsageQuery query;
        TimeZoneInfo timeZone;
        int days;
        try
        {
            (query, _, timeZone) = ServerQuery.Read(context.Request.Query);
            days = DaysOf(context.Request.Query["days"].ToString());
        }
        catch (FormatException ex)
        {
            await ServerEndpoints.ErrorAsync(context, StatusCodes.Status400BadRequest, ex.Message).ConfigureAwait(false);
            return;
        }

        if (await ServerEndpoints.ScopedQueryAsync(context, token, query).ConfigureAwait(false) is not { } scoped)
        {
            return;
        }

        query = scoped;

        // The command's defaults: the last N days up to the end of today, in the report's time zone.
        var now = options.TimeProvider.GetUtcNow();
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, timeZone).DateTime);
        query = query with
        {
            Since = query.Since ?? DailySeries.LocalMidnight(today.AddDays(1 - days), timeZone),
            Until = query.Until ?? DailySeries.LocalMidnight(today.AddDays(1), timeZone),
        };
        if (query.Until - query.Since > TimeSpan.FromDays(MaxDays))
        {
            // A report walks its range day by day (and the period before it): 10 years is plenty, the calendar is not.
            await ServerEndpoints.ErrorAsync(context, StatusCodes.Status400BadRequest, string.Create(CultureInfo.InvariantCulture, $"since..until: a report covers at most {MaxDays} days")).ConfigureAwait(false);
            return;
        }

        var budgets = await ServerEndpoints.VisibleBudgetsAsync(options, token, context.RequestAborted).ConfigureAwait(false);
        var report = await new ReportGenerator(options.Ledger, timeZone, options.TimeProvider).GenerateAsync(query, budgets, context.RequestAborted).ConfigureAwait(false);
        await ServerEndpoints.JsonAsync(context, StatusCodes.Status200OK, writer => UsageReportJson.Write(writer, report)).ConfigureAwait(false);
    }

    private static int DaysOf(string text)
    {
        if (text.Length == 0)
        {
            return DefaultDays;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days is >= 1 and <= MaxDays
            ? days
            : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"days: '{text}' is not a number of days from 1 to {MaxDays}"));
    }
}
