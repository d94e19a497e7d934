using System.Globalization;
using System.Text.Json;

namespace TokenTrace;

/// <summary>
/// Records a Gemini call straight from its <c>usageMetadata</c> JSON, for apps that call the Gemini API without
/// Microsoft.Extensions.AI. It needs no SDK, so it lives in the core.
/// </summary>
/// <remarks>
/// Gemini's <c>promptTokenCount</c> includes <c>cachedContentTokenCount</c>; its thoughts are outside
/// <c>candidatesTokenCount</c>; <c>toolUsePromptTokenCount</c> is input on top of the prompt. The counts are mapped by
/// <see cref="GeminiUsageNormalizer"/>; when <c>totalTokenCount</c> is present it must equal prompt + tool-use prompt +
/// candidates + thoughts, or the payload is refused rather than recorded with a wrong number.
/// </remarks>
public static class GeminiTokenTrackerExtensions
{
    /// <summary>The provider name the records carry.</summary>
    public const string Provider = "gemini";

    /// <summary>Records one Gemini call from its usage.</summary>
    /// <param name="tracker">The tracker.</param>
    /// <param name="model">The model that answered (the response's <c>modelVersion</c>, or the requested model).</param>
    /// <param name="usageMetadata">The response's <c>usageMetadata</c> object (camelCase or snake_case), or the whole response that holds it.</param>
    /// <param name="attribution">Who the call is for; merged with <see cref="UsageScope"/> and the defaults by the tracker.</param>
    /// <param name="cancellationToken">Cancels waiting for room in a full queue.</param>
    /// <returns>The record as queued, priced.</returns>
    /// <exception cref="UsageFormatException">The usage is malformed: not an object, a count that is not a whole number ≥ 0, a cached part above the prompt, or a total that does not add up.</exception>
    public static ValueTask<UsageRecord> RecordGeminiAsync(this TokenTracker tracker, string model, JsonElement usageMetadata, Attribution? attribution = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        var tokens = Normalize(usageMetadata);
        return tracker.RecordAsync(new UsageRecord
        {
            Id = UsageRecord.NewId(),
            Timestamp = tracker.Time.GetUtcNow(),
            Provider = Provider,
            Model = model,
            Tokens = tokens,
            Attribution = attribution ?? Attribution.None,
            Source = UsageSources.Sdk,
            Status = "ok",
        }, cancellationToken);
    }

    /// <summary>Records one Gemini call from its usage, given as JSON text.</summary>
    /// <param name="tracker">The tracker.</param>
    /// <param name="model">The model that answered.</param>
    /// <param name="usageMetadataJson">The <c>usageMetadata</c> object, or the whole response, as JSON.</param>
    /// <param name="attribution">Who the call is for.</param>
    /// <param name="cancellationToken">Cancels waiting for room in a full queue.</param>
    /// <returns>The record as queued, priced.</returns>
    /// <exception cref="UsageFormatException">The text is not JSON, or the usage is malformed (see the other overload).</exception>
    public static ValueTask<UsageRecord> RecordGeminiAsync(this TokenTracker tracker, string model, string usageMetadataJson, Attribution? attribution = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(usageMetadataJson);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(usageMetadataJson);
        }
        catch (JsonException ex)
        {
            throw new UsageFormatException($"usageMetadata: not JSON ({ex.Message})", ex);
        }

        using (document)
        {
            // The element is read before the document is disposed: Normalize copies the counts out.
            return tracker.RecordGeminiAsync(model, document.RootElement, attribution, cancellationToken);
        }
    }

    private static TokenCounts Normalize(JsonElement usageMetadata)
    {
        if (usageMetadata.ValueKind == JsonValueKind.Object
            && (usageMetadata.TryGetProperty("usageMetadata", out var inner) || usageMetadata.TryGetProperty("usage_metadata", out inner)))
        {
            usageMetadata = inner;
        }

        var tokens = GeminiUsageNormalizer.Normalize(usageMetadata);
        var total = Total(usageMetadata);

        // Counts near long.MaxValue would wrap around in the sums: refused, not recorded as a wrong number.
        long counted;
        try
        {
            counted = tokens.Input < 0 || tokens.Output < 0 ? throw new OverflowException() : checked(tokens.Input + tokens.CacheRead + tokens.Output);
        }
        catch (OverflowException)
        {
            throw new UsageFormatException("usageMetadata", "the counts are too large to add up");
        }

        // The normalizer's buckets add back up to Gemini's own total (prompt incl. cached + tool-use prompt + candidates + thoughts).
        if (total is { } reported && reported != counted)
        {
            throw new UsageFormatException("usageMetadata.totalTokenCount", string.Create(CultureInfo.InvariantCulture,
                $"{reported} is not prompt + tool-use prompt + candidates + thoughts ({counted}); the counts do not follow Gemini's convention"));
        }

        return tokens;
    }

    private static long? Total(JsonElement usageMetadata)
    {
        if (!usageMetadata.TryGetProperty("totalTokenCount", out var total) && !usageMetadata.TryGetProperty("total_token_count", out total))
        {
            return null;
        }

        return total.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.Number when total.TryGetInt64(out var count) && count >= 0 => count,
            _ => throw new UsageFormatException("usageMetadata.totalTokenCount", $"{total.GetRawText()} is not a whole number of at least 0"),
        };
    }
}
