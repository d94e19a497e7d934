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
    /// <c>model</c>, …, <c>tag=K=V</c>), ordered by instant and then id (ordinal), as JSON lines
    /// (<c>application/x-ndjson</c>), at most <c>limit</c> of them. The cursor is the last record of the page before:
    /// <c>after</c> (its instant, ISO 8601) and <c>afterId</c> (its id); the page is the <c>limit</c> records that come
    /// after it in that order. A page with fewer than <c>limit</c> records is the last.
    /// </summary>
    /// <remarks>
    /// The order is the server's, not the ledger's: a JSONL or CSV ledger reads a day file in append order, so a record
    /// appended after a later-stamped one would fall behind a cursor that assumed time order. A page keeps the first
    /// <c>limit</c> records after the cursor in a bounded heap, reading the ledger in time slices from the cursor's instant
    /// on (<see cref="PageSlices"/>) until the page is full: every record of a later slice is later than every record of
    /// the slices read, whatever the ledger's order inside a slice. Reading from the cursor to the end for every page
    /// made a paged export quadratic in the records after the first page.
    /// </remarks>
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

        // A max-heap of the page so far: its root is the latest record kept, the one a better record replaces.
        var page = new PriorityQueue<UsageRecord, UsageRecord>(Math.Min(limit, 1024), Comparer<UsageRecord>.Create((a, b) => Compare(b, a)));
        var slices = PageSlices.For(options.Ledger, query, limit);
        while (page.Count < limit && slices.Next() is { } slice)
        {
            var found = 0;
            await foreach (var record in options.Ledger.ReadAsync(slice, context.RequestAborted).ConfigureAwait(false))
            {
                if (after is { } cursor && Compare(record, cursor, afterId!) <= 0)
                {
                    continue;
                }

                found++;
                if (page.Count < limit)
                {
                    page.Enqueue(record, record);
                }
                else if (Compare(record, page.Peek()) < 0)
                {
                    page.EnqueueDequeue(record, record);
                }
            }

            slices.Found(found);
        }

        var ordered = new UsageRecord[page.Count];
        for (var i = ordered.Length - 1; i >= 0; i--)
        {
            ordered[i] = page.Dequeue();
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/x-ndjson; charset=utf-8";
        var output = context.Response.BodyWriter;
        foreach (var record in ordered)
        {
            UsageRecordJson.WriteLine(output, record);
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

    /// <summary>The paging order: instant, then id (ordinal), a total order since ids are unique.</summary>
    private static int Compare(UsageRecord a, UsageRecord b) => Compare(a, b.Timestamp, b.Id);

    private static int Compare(UsageRecord a, DateTimeOffset timestamp, string id)
    {
        var byTime = a.Timestamp.CompareTo(timestamp);
        return byTime != 0 ? byTime : string.CompareOrdinal(a.Id, id);
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
