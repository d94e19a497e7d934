using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TokenTrace.Server.Otlp.Proto;

namespace TokenTrace.Server.Otlp;

/// <summary>
/// <c>POST /v1/traces</c> and <c>POST /v1/metrics</c>: OTLP/HTTP in protobuf (<c>application/x-protobuf</c>) or JSON
/// (<c>application/json</c>), gzip or not. The usage found goes through <see cref="ServerEndpoints.StoreAsync"/>, the
/// same step as <c>/v1/records</c> (write token, project scope, device and principal stamped, pipeline, idempotent
/// append). Success is an <c>Export…ServiceResponse</c> in the request's encoding, with <c>partial_success</c> counting
/// what was refused; a body that cannot be decoded is 400 with a <c>google.rpc.Status</c>, never a 500.
/// </summary>
internal sealed class OtlpEndpoints(TokenTraceServerOptions options, ServerEndpoints endpoints, ServerMetrics metrics)
{
    /// <summary>google.rpc.Code INVALID_ARGUMENT and RESOURCE_EXHAUSTED, as OTLP/HTTP error bodies carry them.</summary>
    private const int InvalidArgument = 3;
    private const int ResourceExhausted = 8;

    private const int MaxErrorsInMessage = 5;

    public Task TracesAsync(HttpContext context) => ExportAsync(context, "spans",
        (body, serviceAsProject) => OtlpSpanReader.Read(ExportTraceServiceRequest.Parser.ParseFrom(body), serviceAsProject),
        (body, serviceAsProject) => OtlpSpanReader.Read(OtlpJsonReader.ReadTraces(body), serviceAsProject), TraceResponse);

    public Task MetricsAsync(HttpContext context) => ExportAsync(context, "data points",
        (body, serviceAsProject) => OtlpMetricReader.Read(ExportMetricsServiceRequest.Parser.ParseFrom(body), options.OtlpMetricRecords, serviceAsProject),
        (body, serviceAsProject) => OtlpMetricReader.Read(OtlpJsonReader.ReadMetrics(body), options.OtlpMetricRecords, serviceAsProject), MetricResponse);

    private async Task ExportAsync(HttpContext context, string items, Func<byte[], bool, OtlpBatch> fromProtobuf, Func<byte[], bool, OtlpBatch> fromJson, Func<long, string?, IMessage> response)
    {
        if (await ServerEndpoints.RequireAsync(context, ServerTokenScope.Write).ConfigureAwait(false) is not { } token)
        {
            return;
        }

        if (await ServerEndpoints.SenderAsync(context, token).ConfigureAwait(false) is not { } sender)
        {
            return;
        }

        var mediaType = context.Request.ContentType?.Split(';', 2)[0].Trim().ToLowerInvariant();
        bool json;
        switch (mediaType)
        {
            case "application/x-protobuf" or "application/protobuf":
                json = false;
                break;
            case "application/json":
                json = true;
                break;
            default:
                await ServerEndpoints.ErrorAsync(context, StatusCodes.Status415UnsupportedMediaType, "send OTLP as application/x-protobuf or application/json").ConfigureAwait(false);
                return;
        }

        var encoding = context.Request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        if (encoding is not ("" or "identity" or "gzip"))
        {
            await ServerEndpoints.ErrorAsync(context, StatusCodes.Status415UnsupportedMediaType, "Content-Encoding: only gzip is accepted").ConfigureAwait(false);
            return;
        }

        OtlpBatch batch;
        try
        {
            var body = await ServerEndpoints.ReadBodyAsync(context, encoding == "gzip", Math.Min(options.MaxOtlpBodyBytes, options.MaxDecompressedBodyBytes)).ConfigureAwait(false);
            // A token bound to a project gives its project to records that name none; service.name is a default below that.
            var serviceAsProject = token.Project is null;
            batch = json ? fromJson(body, serviceAsProject) : fromProtobuf(body, serviceAsProject);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await StatusAsync(context, json, StatusCodes.Status413PayloadTooLarge, ResourceExhausted, "the body is larger than the server's limit; export smaller batches").ConfigureAwait(false);
            return;
        }
        catch (BadHttpRequestException ex)
        {
            await StatusAsync(context, json, ex.StatusCode, InvalidArgument, ex.Message).ConfigureAwait(false);
            return;
        }
        catch (InvalidDataException ex)
        {
            await StatusAsync(context, json, StatusCodes.Status400BadRequest, InvalidArgument, $"the body is not valid gzip ({ex.Message})").ConfigureAwait(false);
            return;
        }
        catch (InvalidProtocolBufferException ex)
        {
            await StatusAsync(context, json, StatusCodes.Status400BadRequest, InvalidArgument, $"the body is not an OTLP protobuf message ({ex.Message}); nothing stored").ConfigureAwait(false);
            return;
        }
        catch (JsonException ex)
        {
            await StatusAsync(context, json, StatusCodes.Status400BadRequest, InvalidArgument, $"the body is not JSON ({ex.Message.Split(" LineNumber:", 2)[0]}); nothing stored").ConfigureAwait(false);
            return;
        }
        catch (FormatException ex)
        {
            await StatusAsync(context, json, StatusCodes.Status400BadRequest, InvalidArgument, $"the body is not an OTLP/JSON message ({ex.Message}); nothing stored").ConfigureAwait(false);
            return;
        }

        if (await endpoints.StoreAsync(context, token, sender, batch.Entries).ConfigureAwait(false) is not var (result, errors))
        {
            return;
        }

        metrics.OtlpSkipped(batch.Skipped);
        var logger = ServerEndpoints.Logger(context);
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("OTLP export of {Items} from {Principal}: {Stored} stored, {Duplicates} duplicates, {Rejected} rejected, {Skipped} without token usage",
                items, token.Name, result.Added, result.Duplicates, errors.Count, batch.Skipped);
        }

        var message = errors.Count > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{errors.Count} {items} with token usage refused: ") + string.Join("; ", errors.Take(MaxErrorsInMessage).Select(e => e.Message))
            : batch.Warning;
        await WriteAsync(context, json, StatusCodes.Status200OK, response(errors.Count, message)).ConfigureAwait(false);
    }

    private static IMessage TraceResponse(long rejected, string? message) => rejected == 0 && message is null
        ? new ExportTraceServiceResponse()
        : new ExportTraceServiceResponse { PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = rejected, ErrorMessage = message ?? "" } };

    private static IMessage MetricResponse(long rejected, string? message) => rejected == 0 && message is null
        ? new ExportMetricsServiceResponse()
        : new ExportMetricsServiceResponse { PartialSuccess = new ExportMetricsPartialSuccess { RejectedDataPoints = rejected, ErrorMessage = message ?? "" } };

    private static Task StatusAsync(HttpContext context, bool json, int status, int code, string message) =>
        WriteAsync(context, json, status, new RpcStatus { Code = code, Message = message });

    /// <summary>
    /// Writes <paramref name="message"/> in the request's encoding: protobuf bytes, or OTLP/JSON (lowerCamelCase keys,
    /// 64-bit integers as decimal strings), written by hand because Google.Protobuf's JSON formatter needs reflection.
    /// </summary>
    private static async Task WriteAsync(HttpContext context, bool json, int status, IMessage message)
    {
        context.Response.StatusCode = status;
        if (!json)
        {
            context.Response.ContentType = "application/x-protobuf";
            await context.Response.Body.WriteAsync(message.ToByteArray(), context.RequestAborted).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            switch (message)
            {
                case RpcStatus rpc:
                    writer.WriteNumber("code", rpc.Code);
                    writer.WriteString("message", rpc.Message);
                    break;
                case ExportTraceServiceResponse { PartialSuccess: { } partial }:
                    writer.WriteStartObject("partialSuccess");
                    writer.WriteString("rejectedSpans", partial.RejectedSpans.ToString(CultureInfo.InvariantCulture));
                    writer.WriteString("errorMessage", partial.ErrorMessage);
                    writer.WriteEndObject();
                    break;
                case ExportMetricsServiceResponse { PartialSuccess: { } partial }:
                    writer.WriteStartObject("partialSuccess");
                    writer.WriteString("rejectedDataPoints", partial.RejectedDataPoints.ToString(CultureInfo.InvariantCulture));
                    writer.WriteString("errorMessage", partial.ErrorMessage);
                    writer.WriteEndObject();
                    break;
            }

            writer.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted).ConfigureAwait(false);
    }
}
