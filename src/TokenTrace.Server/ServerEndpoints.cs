using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;
using TokenTrace.Reports;

namespace TokenTrace.Server;

/// <summary>
/// The server's request handlers, as plain <see cref="RequestDelegate"/>s that write their JSON with
/// <see cref="Utf8JsonWriter"/>: no parameter binding or serializer reflection, so the Native AOT binary runs them as is.
/// Nothing here logs a request's headers: the bearer token never reaches a log.
/// </summary>
internal sealed class ServerEndpoints(TokenTraceServerOptions options, ServerMetrics metrics)
{
    /// <summary>Where the authenticated token is kept for the request (the rate limiter partitions by it).</summary>
    public const string TokenKey = "TokenTrace.Server.Token";

    private const int MaxErrorsReported = 100;

    /// <summary>The longest a remote reservation may hold room if never settled: a day.</summary>
    internal const int MaxTtlSeconds = 86_400;

    /// <summary>
    /// Who took each reservation this server granted (its token's name) and until when: only that principal may settle it.
    /// Kept in memory; after a restart the reservation id itself (random, answered only to its taker, never listed) is the proof.
    /// </summary>
    private readonly ConcurrentDictionary<string, (string Principal, DateTimeOffset ExpiresAt)> _takers = new(StringComparer.Ordinal);

    public async Task AuthenticateAndCountAsync(HttpContext context, RequestDelegate next)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && options.Tokens.Find(header[7..].Trim()) is { } token)
        {
            context.Items[TokenKey] = token;
        }

        try
        {
            await next(context).ConfigureAwait(false);
            metrics.Answered(context.Response.StatusCode);
        }
        catch
        {
            metrics.Answered(StatusCodes.Status500InternalServerError);
            throw;
        }
    }

    public async Task IngestAsync(HttpContext context)
    {
        if (await RequireAsync(context, ServerTokenScope.Write).ConfigureAwait(false) is not { } token)
        {
            return;
        }

        if (await SenderAsync(context, token).ConfigureAwait(false) is not { } sender)
        {
            return;
        }

        var mediaType = context.Request.ContentType?.Split(';', 2)[0].Trim().ToLowerInvariant();
        bool array;
        switch (mediaType)
        {
            case "application/json":
                array = true;
                break;
            case "application/x-ndjson" or "application/jsonl" or "application/json-lines":
                array = false;
                break;
            default:
                await ErrorAsync(context, StatusCodes.Status415UnsupportedMediaType, "send application/json (an array of records) or application/x-ndjson (one record a line)").ConfigureAwait(false);
                return;
        }

        var encoding = context.Request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        if (encoding is not ("" or "identity" or "gzip"))
        {
            await ErrorAsync(context, StatusCodes.Status415UnsupportedMediaType, "Content-Encoding: only gzip is accepted").ConfigureAwait(false);
            return;
        }

        byte[] body;
        try
        {
            body = await ReadBodyAsync(context, encoding == "gzip").ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            await ErrorAsync(context, ex.StatusCode, ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? string.Create(CultureInfo.InvariantCulture, $"the body is larger than {options.MaxRequestBodyBytes} bytes; send smaller batches") : ex.Message).ConfigureAwait(false);
            return;
        }
        catch (InvalidDataException ex)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, $"the body is not valid gzip ({ex.Message})").ConfigureAwait(false);
            return;
        }

        List<(long Line, UsageRecord? Record, IngestError? Error)> entries;
        try
        {
            entries = RecordBatchParser.Parse(body, array);
        }
        catch (JsonException ex)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, $"not a JSON array of records ({ex.Message.Split(" LineNumber:", 2)[0]}); nothing stored").ConfigureAwait(false);
            return;
        }

        if (await StoreAsync(context, token, sender, entries).ConfigureAwait(false) is not var (result, errors))
        {
            return;
        }

        await JsonAsync(context, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("stored", result.Added);
            writer.WriteNumber("duplicates", result.Duplicates);
            writer.WriteNumber("rejected", errors.Count);
            writer.WriteStartArray("errors");
            foreach (var error in errors.Take(MaxErrorsReported))
            {
                writer.WriteStartObject();
                writer.WriteNumber("line", error.Line);
                writer.WriteString("field", error.Field);
                writer.WriteString("message", error.Message);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// The sending device of a write request (<see cref="ServerHeaders.Device"/>, or the one a device-bound token is
    /// limited to); answers 403 and returns null when the token may not send as the device named.
    /// </summary>
    internal static async Task<(string? Id, string? Name)?> SenderAsync(HttpContext context, ServerToken token)
    {
        var (deviceId, deviceName) = ParseDevice(context.Request.Headers[ServerHeaders.Device]);
        if (token.Device is { } allowed)
        {
            if (deviceId is not null && deviceId != allowed)
            {
                await ErrorAsync(context, StatusCodes.Status403Forbidden, $"token '{token.Name}' may only send as device '{allowed}'").ConfigureAwait(false);
                return null;
            }

            deviceId = allowed;
        }

        return (deviceId, deviceName);
    }

    /// <summary>
    /// Stores parsed <paramref name="entries"/> the one way every ingest path does (<c>/v1/records</c> and OTLP): the
    /// token's project scope, the request's device and principal stamped, the record pipeline, one ledger append
    /// (idempotent by id). Returns what was stored and the entries refused; answers 503 and returns null when the ledger
    /// fails.
    /// </summary>
    internal async Task<(AppendResult Result, List<IngestError> Errors)?> StoreAsync(
        HttpContext context, ServerToken token, (string? Id, string? Name) sender, IEnumerable<(long Line, UsageRecord? Record, IngestError? Error)> entries)
    {
        var good = new List<UsageRecord>();
        var errors = new List<IngestError>();
        foreach (var (line, record, error) in entries)
        {
            if (record is null)
            {
                errors.Add(error!);
                continue;
            }

            var sent = record;
            if (token.Project is { } project)
            {
                if (record.Attribution.Project is { } other && other != project)
                {
                    errors.Add(new IngestError(line, "project", $"'{other}' is outside token '{token.Name}''s project '{project}'"));
                    continue;
                }

                // A record of a project-bound token without a project belongs to that project, as its budgets expect.
                sent = record with { Attribution = record.Attribution with { Project = project } };
            }

            try
            {
                good.Add(options.Pipeline.Prepare(Stamp(sent, token, sender.Id, sender.Name)));
            }
            catch (ArgumentException ex)
            {
                errors.Add(new IngestError(line, null, ex.Message));
            }
        }

        AppendResult result;
        try
        {
            result = good.Count == 0 ? default : await options.Ledger.AppendAsync(good, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Logger(context).LogError(ex, "The ledger could not store a batch of {Count} records from {Principal}", good.Count, token.Name);
            await ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "the ledger could not store the batch; nothing is acknowledged, send it again").ConfigureAwait(false);
            return null;
        }

        metrics.Ingested(result.Added, result.Duplicates, errors.Count);
        var logger = Logger(context);
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Batch from {Principal} (device {Device}): {Stored} stored, {Duplicates} duplicates, {Rejected} rejected", token.Name, sender.Id ?? "(none)", result.Added, result.Duplicates, errors.Count);
        }

        return (result, errors);
    }

    public async Task SummaryAsync(HttpContext context)
    {
        if (await RequireAsync(context, ServerTokenScope.Read).ConfigureAwait(false) is not { } token)
        {
            return;
        }

        UsageQuery query;
        List<SummaryDimension> dimensions;
        TimeZoneInfo timeZone;
        try
        {
            (query, dimensions, timeZone) = ServerQuery.Read(context.Request.Query);
        }
        catch (FormatException ex)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, ex.Message).ConfigureAwait(false);
            return;
        }

        if (await ScopedQueryAsync(context, token, query).ConfigureAwait(false) is not { } scoped)
        {
            return;
        }

        var summary = await options.Ledger.SummarizeAsync(scoped, dimensions, timeZone, context.RequestAborted).ConfigureAwait(false);
        await JsonAsync(context, StatusCodes.Status200OK, writer => UsageSummaryJson.Write(writer, summary)).ConfigureAwait(false);
    }

    public async Task BudgetsAsync(HttpContext context)
    {
        if (await RequireAsync(context, ServerTokenScope.Read).ConfigureAwait(false) is not { } token)
        {
            return;
        }

        // A project-bound read token sees its project's budgets only, as /v1/budgets/definitions and /v1/report do.
        var budgets = await VisibleBudgetsAsync(options, token, context.RequestAborted).ConfigureAwait(false);
        var now = options.TimeProvider.GetUtcNow();
        var statuses = new List<BudgetStatus>();
        foreach (var budget in budgets)
        {
            statuses.Add(await BudgetEvaluator.EvaluateAsync(options.Ledger, budget, now, context.RequestAborted).ConfigureAwait(false));
        }

        await JsonAsync(context, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("budgets");
            foreach (var status in statuses)
            {
                BudgetStatusJson.Write(writer, status);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("alerts");
            writer.WriteEndArray();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>POST /v1/budgets/reserve</c>: takes room in a budget through the hosted ledger's own reservation (the same
    /// transaction with the spend check that local enforcers use), so processes on many machines share one hard limit.
    /// Answers 200 when granted and 409 when refused, both with <c>{reserved, reservationId, spend, inFlight, limit}</c>.
    /// </summary>
    public async Task ReserveAsync(HttpContext context)
    {
        if (await RequireAsync(context, ServerTokenScope.Write).ConfigureAwait(false) is not { } token)
        {
            return;
        }

        if (await ReadJsonObjectAsync(context).ConfigureAwait(false) is not { } body)
        {
            return;
        }

        string name;
        decimal amount;
        TimeSpan ttl;
        using (body)
        {
            var root = body.RootElement;
            if (!root.TryGetProperty("budget", out var budgetField) || budgetField.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(budgetField.GetString()))
            {
                await ErrorAsync(context, StatusCodes.Status400BadRequest, "budget: required, the name of a budget (a string)").ConfigureAwait(false);
                return;
            }

            name = budgetField.GetString()!;
            if (!root.TryGetProperty("amount", out var amountField) || ReadDecimal(amountField) is not { } parsed || parsed < 0 || parsed > Budget.MaxLimit)
            {
                await ErrorAsync(context, StatusCodes.Status400BadRequest, "amount: required, a number from 0 up, in the budget's unit (e.g. 0.05)").ConfigureAwait(false);
                return;
            }

            amount = parsed;
            ttl = LedgerReservation.DefaultTimeToLive;
            if (root.TryGetProperty("ttlSeconds", out var ttlField) && ttlField.ValueKind != JsonValueKind.Null)
            {
                if (ReadDecimal(ttlField) is not { } seconds || seconds <= 0 || seconds > MaxTtlSeconds)
                {
                    await ErrorAsync(context, StatusCodes.Status400BadRequest, string.Create(CultureInfo.InvariantCulture, $"ttlSeconds: a number of seconds more than 0 and at most {MaxTtlSeconds}")).ConfigureAwait(false);
                    return;
                }

                ttl = TimeSpan.FromSeconds((double)seconds);
            }
        }

        if (options.Ledger.GetService<IBudgetReservations>() is not { } reservations)
        {
            await ErrorAsync(context, StatusCodes.Status501NotImplemented, "this server's ledger keeps no budget reservations").ConfigureAwait(false);
            return;
        }

        var budget = await FindBudgetAsync(name, context.RequestAborted).ConfigureAwait(false);
        if (budget is null)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, $"budget: no budget named '{name}'").ConfigureAwait(false);
            return;
        }

        if (token.Project is { } project && budget.Scope.Project != project)
        {
            await ErrorAsync(context, StatusCodes.Status403Forbidden, $"token '{token.Name}' may only reserve budgets scoped to project '{project}'").ConfigureAwait(false);
            return;
        }

        var now = options.TimeProvider.GetUtcNow();
        BudgetReservationResult result;
        try
        {
            var window = budget.Period.WindowAt(now, budget.ResolveTimeZone());
            result = await reservations.TryReserveAsync(budget, window, amount, now, ttl, context.RequestAborted).ConfigureAwait(false);
        }
        catch (FormatException ex)
        {
            await ErrorAsync(context, StatusCodes.Status500InternalServerError, ex.Message).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Logger(context).LogError(ex, "The ledger could not reserve in budget {Budget} for {Principal}", budget.Name, token.Name);
            await ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "the ledger could not take the reservation; nothing is reserved, try again").ConfigureAwait(false);
            return;
        }

        if (result.Reservation is { } granted)
        {
            ForgetExpiredTakers(now);
            _takers[granted.Id] = (token.Name, granted.ExpiresAt);
        }

        await JsonAsync(context, result.Granted ? StatusCodes.Status200OK : StatusCodes.Status409Conflict, writer =>
        {
            writer.WriteStartObject();
            writer.WriteBoolean("reserved", result.Granted);
            if (result.Reservation is { } reservation)
            {
                writer.WriteString("reservationId", reservation.Id);
                writer.WriteString("expiresAt", reservation.ExpiresAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            }
            else
            {
                writer.WriteNull("reservationId");
            }

            writer.WriteString("budget", budget.Name);
            writer.WriteNumber("amount", DecimalCanonical.Trim(amount));
            writer.WriteNumber("spend", DecimalCanonical.Trim(result.Spend));
            writer.WriteNumber("inFlight", DecimalCanonical.Trim(result.InFlight));
            writer.WriteNumber("limit", DecimalCanonical.Trim(budget.Limit));
            writer.WriteString("unit", budget.Unit.ToString().ToLowerInvariant());
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>POST /v1/budgets/settle</c>: removes a reservation once its call's record is stored (or the call failed). Only
    /// the token that took it may (403 otherwise), and a project-bound token only in its project's budgets, as reserving.
    /// </summary>
    public async Task SettleAsync(HttpContext context)
    {
        if (await RequireAsync(context, ServerTokenScope.Write).ConfigureAwait(false) is not { } token)
        {
            return;
        }

        if (await ReadJsonObjectAsync(context).ConfigureAwait(false) is not { } body)
        {
            return;
        }

        string id;
        using (body)
        {
            if (!body.RootElement.TryGetProperty("reservationId", out var field) || field.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(field.GetString()))
            {
                await ErrorAsync(context, StatusCodes.Status400BadRequest, "reservationId: required, the id /v1/budgets/reserve answered (a string)").ConfigureAwait(false);
                return;
            }

            id = field.GetString()!;
        }

        if (options.Ledger.GetService<IBudgetReservations>() is not { } reservations)
        {
            await ErrorAsync(context, StatusCodes.Status501NotImplemented, "this server's ledger keeps no budget reservations").ConfigureAwait(false);
            return;
        }

        if (_takers.TryGetValue(id, out var taker) && taker.Principal != token.Name)
        {
            // Settling frees room: another process's in-flight call would then no longer count and the hard limit could be crossed.
            await ErrorAsync(context, StatusCodes.Status403Forbidden, $"token '{token.Name}' may only settle the reservations it took").ConfigureAwait(false);
            return;
        }

        if (token.Project is { } project
            && (await reservations.ListReservationsAsync(context.RequestAborted).ConfigureAwait(false)).FirstOrDefault(r => r.Id == id) is { } held
            && (await FindBudgetAsync(held.Budget, context.RequestAborted).ConfigureAwait(false))?.Scope.Project != project)
        {
            await ErrorAsync(context, StatusCodes.Status403Forbidden, $"token '{token.Name}' may only settle reservations of budgets scoped to project '{project}'").ConfigureAwait(false);
            return;
        }

        var settled = await reservations.SettleAsync(id, context.RequestAborted).ConfigureAwait(false);
        _takers.TryRemove(id, out _);
        await JsonAsync(context, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("reservationId", id);
            writer.WriteBoolean("settled", settled);
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>Drops the takers of reservations that expired (never settled), so the map stays as small as the live reservations.</summary>
    private void ForgetExpiredTakers(DateTimeOffset now)
    {
        foreach (var (id, taker) in _takers)
        {
            if (taker.ExpiresAt <= now)
            {
                _takers.TryRemove(id, out _);
            }
        }
    }

    /// <summary>A budget by name among all of them (a project-bound token then gets 403 for another project's, not 404).</summary>
    private async Task<Budget?> FindBudgetAsync(string name, CancellationToken cancellationToken) =>
        (await AllBudgetsAsync(options, cancellationToken).ConfigureAwait(false)).FirstOrDefault(b => b.Name == name);

    /// <summary>
    /// The budgets <paramref name="token"/> may see, by name: the ledger's stored budgets first, then the configured ones of
    /// other names, only those scoped to a project-bound token's project. Every API that lists or uses budgets reads them here.
    /// </summary>
    internal static async Task<List<Budget>> VisibleBudgetsAsync(TokenTraceServerOptions options, ServerToken token, CancellationToken cancellationToken) =>
        [.. (await AllBudgetsAsync(options, cancellationToken).ConfigureAwait(false)).Where(b => token.Project is null || b.Scope.Project == token.Project)];

    private static async Task<List<Budget>> AllBudgetsAsync(TokenTraceServerOptions options, CancellationToken cancellationToken)
    {
        var stored = options.Ledger.GetService<IBudgetStore>() is { } store ? await store.ListBudgetsAsync(cancellationToken).ConfigureAwait(false) : [];
        return [.. stored.Concat(options.Budgets.Where(c => stored.All(s => s.Name != c.Name))).OrderBy(b => b.Name, StringComparer.Ordinal)];
    }

    /// <summary>
    /// <paramref name="query"/> limited to a project-bound token's project (a query without a project gets it); answers 403
    /// and returns null when the query names another project. Every read of records or totals goes through it.
    /// </summary>
    internal static async Task<UsageQuery?> ScopedQueryAsync(HttpContext context, ServerToken token, UsageQuery query)
    {
        if (token.Project is not { } project)
        {
            return query;
        }

        if (query.Project is { } asked && asked != project)
        {
            await ErrorAsync(context, StatusCodes.Status403Forbidden, $"token '{token.Name}' may only read project '{project}'").ConfigureAwait(false);
            return null;
        }

        return query with { Project = project };
    }

    /// <summary>A JSON number, or a string holding one in the invariant culture ("0.05", never "0,05"); null otherwise.</summary>
    private static decimal? ReadDecimal(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number when element.TryGetDecimal(out var value) => value,
        JsonValueKind.String when decimal.TryParse(element.GetString(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) => value,
        _ => null,
    };

    /// <summary>The body as a JSON object; otherwise answers 400 (or 415) and returns null.</summary>
    private async Task<JsonDocument?> ReadJsonObjectAsync(HttpContext context)
    {
        var mediaType = context.Request.ContentType?.Split(';', 2)[0].Trim().ToLowerInvariant();
        if (mediaType != "application/json")
        {
            await ErrorAsync(context, StatusCodes.Status415UnsupportedMediaType, "send application/json").ConfigureAwait(false);
            return null;
        }

        JsonDocument document;
        try
        {
            var body = await ReadBodyAsync(context, gzip: false).ConfigureAwait(false);
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, $"the body is not JSON ({ex.Message.Split(" LineNumber:", 2)[0]})").ConfigureAwait(false);
            return null;
        }
        catch (BadHttpRequestException ex)
        {
            await ErrorAsync(context, ex.StatusCode, ex.Message).ConfigureAwait(false);
            return null;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            await ErrorAsync(context, StatusCodes.Status400BadRequest, "the body must be a JSON object").ConfigureAwait(false);
            return null;
        }

        return document;
    }

    public async Task HealthAsync(HttpContext context)
    {
        // Open to all (a load balancer's probe has no token), so it says healthy or not and counts, never the ledger's spec
        // (a postgres:// spec may hold a password) or its problems' text.
        LedgerHealth? health = null;
        string? failure = null;
        try
        {
            if (options.Ledger.GetService<ILedgerHealthCheck>() is { } check)
            {
                health = await check.CheckAsync(context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Logger(context).LogError(ex, "The ledger's health check failed");
            failure = "the ledger could not be checked";
        }

        var healthy = failure is null && health?.IsHealthy != false;
        await JsonAsync(context, healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("status", healthy ? "healthy" : "unhealthy");
            writer.WriteBoolean("checked", health is not null);
            if (health is not null)
            {
                writer.WriteNumber("records", health.Records);
                writer.WriteNumber("problems", health.Problems.Count);
            }

            if (failure is not null)
            {
                writer.WriteString("error", failure);
            }

            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    public async Task MetricsAsync(HttpContext context)
    {
        if (await RequireAsync(context, ServerTokenScope.Read).ConfigureAwait(false) is null)
        {
            return;
        }

        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await context.Response.WriteAsync(metrics.Exposition(), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// The request's token when it has <paramref name="scope"/> (or any scope when <paramref name="orWrite"/> and a write
    /// token is also allowed); otherwise answers 401 (no valid token, logged as a warning) or 403 (another scope) and returns null.
    /// </summary>
    internal static async Task<ServerToken?> RequireAsync(HttpContext context, ServerTokenScope scope, bool orWrite = false)
    {
        if (context.Items[TokenKey] is not ServerToken token)
        {
            var logger = Logger(context);
            if (logger.IsEnabled(LogLevel.Warning))
            {
                logger.LogWarning("Refused {Method} {Path} from {Remote}: no valid bearer token", context.Request.Method, context.Request.Path.Value, context.Connection.RemoteIpAddress);
            }

            context.Response.Headers.WWWAuthenticate = "Bearer";
            await ErrorAsync(context, StatusCodes.Status401Unauthorized, "a valid bearer token is required (Authorization: Bearer …)").ConfigureAwait(false);
            return null;
        }

        if (token.Scope != scope && !(orWrite && token.Scope == ServerTokenScope.Write))
        {
            await ErrorAsync(context, StatusCodes.Status403Forbidden, $"token '{token.Name}' is a {Name(token.Scope)} token; this needs a {Name(scope)} token").ConfigureAwait(false);
            return null;
        }

        return token;
    }

    private static string Name(ServerTokenScope scope) => scope == ServerTokenScope.Write ? "write" : "read";

    internal Task<byte[]> ReadBodyAsync(HttpContext context, bool gzip) => ReadBodyAsync(context, gzip, options.MaxDecompressedBodyBytes);

    internal static async Task<byte[]> ReadBodyAsync(HttpContext context, bool gzip, long limit)
    {
        var source = context.Request.Body;
        await using var decompressed = gzip ? new GZipStream(source, CompressionMode.Decompress, leaveOpen: true) : null;
        var input = decompressed ?? source;
        using var output = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await input.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (output.Length + read > limit)
            {
                throw new BadHttpRequestException("the body expands past the server's limit", StatusCodes.Status413PayloadTooLarge);
            }

            output.Write(buffer, 0, read);
        }

        return output.ToArray();
    }

    private static UsageRecord Stamp(UsageRecord record, ServerToken token, string? deviceId, string? deviceName)
    {
        // The server, not the sender, says who sent a record: whatever the body claims, these tags are the request's.
        var tags = new Dictionary<string, string>(record.Attribution.Tags, StringComparer.Ordinal)
        {
            [ServerHeaders.PrincipalTag] = token.Name,
        };
        tags.Remove(ServerHeaders.DeviceTag);
        tags.Remove(ServerHeaders.DeviceNameTag);
        if (deviceId is not null)
        {
            tags[ServerHeaders.DeviceTag] = deviceId;
            tags[ServerHeaders.DeviceNameTag] = deviceName ?? deviceId;
        }

        return record with { Attribution = record.Attribution with { Tags = tags } };
    }

    private static (string? Id, string? Name) ParseDevice(StringValues header)
    {
        var text = header.ToString().Trim();
        if (text.Length == 0)
        {
            return (null, null);
        }

        var parts = text.Split(';', 2, StringSplitOptions.TrimEntries);
        var id = parts[0].Length == 0 ? null : parts[0];
        var name = parts.Length > 1 && parts[1].Length > 0 ? Uri.UnescapeDataString(parts[1]) : null;
        return (id, name);
    }

    internal static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("TokenTrace.Server") ?? NullLogger.Instance;

    internal static Task ErrorAsync(HttpContext context, int status, string message) =>
        JsonAsync(context, status, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("error", message);
            writer.WriteEndObject();
        });

    internal static async Task JsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter, UsageSummaryJson.WriterOptions))
        {
            write(writer);
        }

        // The same trailing newline as the command line's JSON, so the two compare byte for byte.
        System.Buffers.BuffersExtensions.Write(context.Response.BodyWriter, "\n"u8);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
