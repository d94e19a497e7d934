using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using TokenTrace.Reports;

namespace TokenTrace.Server;

/// <summary>
/// The reads a remote ledger (<c>--ledger https://server</c>, TokenTrace.Client's <c>RemoteUsageLedger</c>) needs beyond
/// <c>/v1/summary</c>: the records themselves (<c>GET /v1/records</c>, for <c>export</c> and every view that reads
/// records), the budgets' definitions and the live reservations (for <c>budget status</c> and an app's enforcer).
/// </summary>
internal sealed class ReadThroughEndpoints(TokenTraceServerOptions options)
{
    /// <summary>Records per page when the client names no <c>limit</c>.</summary>
    private const int DefaultPageSize = 10_000;

    /// <summary>The most records one page may ask for.</summary>
    private const int MaxPageSize = 100_000;

    /// <summary>
    /// <c>GET /v1/records</c> (read tokens): the records matching the summary's filters (<c>since</c>, <c>until</c>,
    /// <c>model</c>, …, <c>tag=K=V</c>), oldest first, as JSON lines (<c>application/x-ndjson</c>), at most <c>limit</c> of
    /// them. The cursor is the last record of the page before: <c>after</c> (its instant, ISO 8601) and <c>afterId</c>
    /// (its id); the page starts after it. A page with fewer than <c>limit</c> records is the last.
    /// </summary>
    public async Task RecordsAsync(HttpContext context)
    {
        if (await ServerEndpoints.RequireAsync(context, ServerTokenScope.Read).ConfigureAwait(false) is not { } token)
        {
            return;
        }

        UsageQuery query;
        int limit;
        DateTimeOffset? after;
        string? afterId;
        try
        {
            (query, _, _) = ServerQuery.Read(context.Request.Query);
            limit = Limit(context.Request.Query["limit"].ToString());
            (after, afterId) = Cursor(context.Request.Query["after"].ToString(), context.Request.Query["afterId"].ToString());
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

        if (after is { } from && (query.Since is null || query.Since < from))
        {
            query = query with { Since = from };
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/x-ndjson; charset=utf-8";
        var output = context.Response.BodyWriter;
        var written = 0;
        var skipping = after is not null;
        await foreach (var record in options.Ledger.ReadAsync(query, context.RequestAborted).ConfigureAwait(false))
        {
            if (skipping)
            {
                // Records of the cursor's instant up to and including the cursor's id were on the page before (stores read
                // records of one instant in a stable order: the order they were stored in).
                if (record.Timestamp == after)
                {
                    skipping = record.Id != afterId;
                    continue;
                }

                skipping = false;
            }

            if (written == limit)
            {
                break;
            }

            UsageRecordJson.WriteLine(output, record);
            written++;
            if (output.UnflushedBytes > 64 * 1024)
            {
                await output.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
        }

        await output.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>GET /v1/budgets/definitions</c> (read or write tokens: an app's enforcer needs the budgets it reserves in): the
    /// budgets as the ledgers store them, the stored ones first and then the configured ones of other names.
    /// </summary>
    public async Task DefinitionsAsync(HttpContext context)
    {
        if (await ServerEndpoints.RequireAsync(context, ServerTokenScope.Read, orWrite: true).ConfigureAwait(false) is not { } token)
        {
            return;
        }

        var budgets = await ServerEndpoints.VisibleBudgetsAsync(options, token, context.RequestAborted).ConfigureAwait(false);
        await ServerEndpoints.JsonAsync(context, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("budgets");
            foreach (var budget in budgets)
            {
                BudgetJson.Write(writer, budget);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>GET /v1/budgets/reservations</c> (read or write tokens): the reservations the ledger holds, of the budgets the token
    /// may see: budget, amount, when taken, when it expires and by which process, never its id (an id is what settles a
    /// reservation, so only its taker ever learns it).
    /// </summary>
    public async Task ReservationsAsync(HttpContext context)
    {
        if (await ServerEndpoints.RequireAsync(context, ServerTokenScope.Read, orWrite: true).ConfigureAwait(false) is not { } token)
        {
            return;
        }

        IReadOnlyList<LedgerReservation> reservations = options.Ledger.GetService<IBudgetReservations>() is { } store
            ? await store.ListReservationsAsync(context.RequestAborted).ConfigureAwait(false)
            : [];
        if (token.Project is not null)
        {
            var visible = (await ServerEndpoints.VisibleBudgetsAsync(options, token, context.RequestAborted).ConfigureAwait(false)).Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
            reservations = [.. reservations.Where(r => visible.Contains(r.Budget))];
        }

        await ServerEndpoints.JsonAsync(context, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("reservations");
            foreach (var reservation in reservations)
            {
                writer.WriteStartObject();
                writer.WriteString("budget", reservation.Budget);
                writer.WriteNumber("amount", DecimalCanonical.Trim(reservation.Amount));
                writer.WriteString("createdAt", reservation.CreatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
                writer.WriteString("expiresAt", reservation.ExpiresAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
                writer.WriteString("holder", reservation.Holder);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static int Limit(string text)
    {
        if (text.Length == 0)
        {
            return DefaultPageSize;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= MaxPageSize
            ? limit
            : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"limit: '{text}' is not a whole number from 1 to {MaxPageSize}"));
    }

    private static (DateTimeOffset? After, string? AfterId) Cursor(string after, string afterId)
    {
        if (after.Length == 0 && afterId.Length == 0)
        {
            return (null, null);
        }

        if (after.Length == 0 || afterId.Length == 0)
        {
            throw new FormatException("after and afterId: give both (the instant and id of the last record read) or neither");
        }

        return DateTimeOffset.TryParse(after, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)
            ? (instant.ToUniversalTime(), afterId)
            : throw new FormatException($"after: '{after}' is not an ISO 8601 instant");
    }
}
