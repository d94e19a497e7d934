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

        var (deviceId, deviceName) = ParseDevice(context.Request.Headers[ServerHeaders.Device]);
        if (token.Device is { } allowed)
        {
            if (deviceId is not null && deviceId != allowed)
            {
                await ErrorAsync(context, StatusCodes.Status403Forbidden, $"token '{token.Name}' may only send as device '{allowed}'").ConfigureAwait(false);
                return;
            }

            deviceId = allowed;
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

        var good = new List<UsageRecord>(entries.Count);
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
                good.Add(options.Pipeline.Prepare(Stamp(sent, token, deviceId, deviceName)));
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
            return;
        }

        metrics.Ingested(result.Added, result.Duplicates, errors.Count);
        var logger = Logger(context);
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Batch from {Principal} (device {Device}): {Stored} stored, {Duplicates} duplicates, {Rejected} rejected", token.Name, deviceId ?? "(none)", result.Added, result.Duplicates, errors.Count);
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

        if (token.Project is { } project)
        {
            if (query.Project is { } asked && asked != project)
            {
                await ErrorAsync(context, StatusCodes.Status403Forbidden, $"token '{token.Name}' may only read project '{project}'").ConfigureAwait(false);
                return;
            }

            query = query with { Project = project };
        }

        var summary = await options.Ledger.SummarizeAsync(query, dimensions, timeZone, context.RequestAborted).ConfigureAwait(false);
        await JsonAsync(context, StatusCodes.Status200OK, writer => UsageSummaryJson.Write(writer, summary)).ConfigureAwait(false);
    }

    public async Task BudgetsAsync(HttpContext context)
    {
        if (await RequireAsync(context, ServerTokenScope.Read).ConfigureAwait(false) is null)
        {
            return;
        }

        var stored = options.Ledger.GetService<IBudgetStore>() is { } store ? await store.ListBudgetsAsync(context.RequestAborted).ConfigureAwait(false) : [];
        var budgets = stored.Concat(options.Budgets.Where(c => stored.All(s => s.Name != c.Name))).OrderBy(b => b.Name, StringComparer.Ordinal);
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

    /// <summary>The request's token when it has <paramref name="scope"/>; otherwise answers 401 (no valid token) or 403 (another scope) and returns null.</summary>
    private static async Task<ServerToken?> RequireAsync(HttpContext context, ServerTokenScope scope)
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

        if (token.Scope != scope)
        {
            await ErrorAsync(context, StatusCodes.Status403Forbidden, $"token '{token.Name}' is a {Name(token.Scope)} token; this needs a {Name(scope)} token").ConfigureAwait(false);
            return null;
        }

        return token;
    }

    private static string Name(ServerTokenScope scope) => scope == ServerTokenScope.Write ? "write" : "read";

    private async Task<byte[]> ReadBodyAsync(HttpContext context, bool gzip)
    {
        var source = context.Request.Body;
        await using var decompressed = gzip ? new GZipStream(source, CompressionMode.Decompress, leaveOpen: true) : null;
        var input = decompressed ?? source;
        using var output = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await input.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (output.Length + read > options.MaxDecompressedBodyBytes)
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

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("TokenTrace.Server") ?? NullLogger.Instance;

    private static Task ErrorAsync(HttpContext context, int status, string message) =>
        JsonAsync(context, status, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("error", message);
            writer.WriteEndObject();
        });

    private static async Task JsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
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
