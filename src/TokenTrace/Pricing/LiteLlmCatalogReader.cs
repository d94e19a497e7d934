using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace TokenTrace;

/// <summary>
/// Reads LiteLLM's <c>model_prices_and_context_window.json</c> as it is: USD per token, <c>*_above_Nk_tokens</c>
/// long-context rates, <c>cache_creation_input_token_cost_above_1hr</c> for 1-hour writes, <c>_batches</c>,
/// <c>_flex</c> and <c>_priority</c> tier rates. Unknown fields are ignored; <c>sample_spec</c> is not a model;
/// entries without token prices are skipped with a reason.
/// </summary>
public static partial class LiteLlmCatalogReader
{
    /// <summary>Reads a catalogue file.</summary>
    public static PriceSheet ReadFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, $"litellm:{Path.GetFileName(path)}");
    }

    /// <summary>Reads a catalogue from <paramref name="stream"/> into a layer named <paramref name="layer"/>.</summary>
    /// <exception cref="JsonException">The stream is not JSON; the message gives the line.</exception>
    public static PriceSheet Read(Stream stream, string layer)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var content = ReadBounded(stream, layer);
        if (System.Text.Unicode.Utf8.IsValid(content.Span) is false)
        {
            var bad = FirstInvalidUtf8(content.Span);
            var line = 1 + content.Span[..bad].Count((byte)'\n');
            throw new JsonException(string.Create(CultureInfo.InvariantCulture, $"{layer}: line {line}: not valid UTF-8 (byte offset {bad})"));
        }

        using var document = JsonDocument.Parse(content, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"{layer}: expected a JSON object of model entries, found {document.RootElement.ValueKind}");
        }

        var prices = new List<ModelPrice>();
        var skipped = new List<(string, string)>();
        foreach (var entry in document.RootElement.EnumerateObject())
        {
            if (entry.Name == "sample_spec")
            {
                continue;
            }

            if (entry.Value.ValueKind != JsonValueKind.Object)
            {
                skipped.Add((entry.Name, $"expected an object, found {entry.Value.ValueKind}"));
                continue;
            }

            try
            {
                if (ReadEntry(entry.Name, entry.Value, layer) is { } price)
                {
                    prices.Add(price);
                }
                else
                {
                    skipped.Add((entry.Name, "no per-token input or output price"));
                }
            }
            catch (FormatException ex)
            {
                skipped.Add((entry.Name, ex.Message));
            }
        }

        return new PriceSheet(layer, prices, skipped);
    }

    private static ModelPrice? ReadEntry(string name, JsonElement entry, string layer)
    {
        var standard = new TokenRates
        {
            Input = Rate(entry, "input_cost_per_token"),
            Output = Rate(entry, "output_cost_per_token"),
            CacheRead = Rate(entry, "cache_read_input_token_cost"),
            CacheWrite = Rate(entry, "cache_creation_input_token_cost"),
            CacheWrite1h = Rate(entry, "cache_creation_input_token_cost_above_1hr"),
            Reasoning = Rate(entry, "output_cost_per_reasoning_token"),
        };
        if (standard.Input is null && standard.Output is null)
        {
            return null;
        }

        var thresholds = new SortedSet<long>();
        foreach (var property in entry.EnumerateObject())
        {
            var match = AboveThreshold().Match(property.Name);
            if (match.Success)
            {
                if (!long.TryParse(match.Groups["k"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var thousands)
                    || thousands > UsageLimits.MaxLongContextThreshold / 1000)
                {
                    throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{property.Name}: the threshold is above the limit of {UsageLimits.MaxLongContextThreshold} tokens (docs/methodology/limits.md)"));
                }

                thresholds.Add(thousands * 1000);
            }
        }

        var longContext = new List<LongContextRates>();
        foreach (var threshold in thresholds)
        {
            var suffix = string.Create(CultureInfo.InvariantCulture, $"_above_{threshold / 1000}k_tokens");
            var rates = new TokenRates
            {
                Input = Rate(entry, "input_cost_per_token" + suffix),
                Output = Rate(entry, "output_cost_per_token" + suffix),
                CacheRead = Rate(entry, "cache_read_input_token_cost" + suffix),
                CacheWrite = Rate(entry, "cache_creation_input_token_cost" + suffix),
                CacheWrite1h = Rate(entry, "cache_creation_input_token_cost_above_1hr" + suffix),
            };
            if (!rates.IsEmpty)
            {
                longContext.Add(new LongContextRates(threshold, rates));
            }
        }

        var tiers = new Dictionary<string, TokenRates>(StringComparer.OrdinalIgnoreCase);
        foreach (var (tier, suffix) in new[] { ("batch", "_batches"), ("flex", "_flex"), ("priority", "_priority") })
        {
            var rates = new TokenRates
            {
                Input = Rate(entry, "input_cost_per_token" + suffix),
                Output = Rate(entry, "output_cost_per_token" + suffix),
                CacheRead = Rate(entry, "cache_read_input_token_cost" + suffix),
                CacheWrite = Rate(entry, "cache_creation_input_token_cost" + suffix),
            };
            if (!rates.IsEmpty)
            {
                tiers[tier] = rates;
            }
        }

        var perUnit = new Dictionary<string, decimal>(StringComparer.Ordinal);
        if (Rate(entry, "output_cost_per_image") is { } perImage)
        {
            perUnit[ExtraCounts.ImageOutput] = perImage;
        }

        if (entry.TryGetProperty("search_context_cost_per_query", out var search) && search.ValueKind == JsonValueKind.Object
            && (Rate(search, "search_context_size_medium") ?? Rate(search, "search_context_size_low")) is { } perSearch)
        {
            perUnit[ExtraCounts.WebSearchRequests] = perSearch;
        }

        var price = new ModelPrice
        {
            Name = name,
            Provider = entry.TryGetProperty("litellm_provider", out var provider) && provider.ValueKind == JsonValueKind.String ? provider.GetString() : null,
            Source = entry.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.String ? source.GetString() : null,
            Mode = entry.TryGetProperty("mode", out var mode) && mode.ValueKind == JsonValueKind.String ? mode.GetString() : null,
            Catalog = layer,
            Rates = standard,
            LongContext = longContext,
            ServiceTiers = tiers,
            PerRequest = Rate(entry, "input_cost_per_request"),
            PerUnit = perUnit,
        };
        return PriceBounds.Problem(price) is { } problem ? throw new FormatException(problem) : price;
    }

    private static decimal? Rate(JsonElement entry, string name)
    {
        if (!entry.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        // Parse the number's own text: going through double would turn 3e-06 into 2.9999999999999997E-06.
        if (value.ValueKind == JsonValueKind.Number
            && decimal.TryParse(value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate >= 0)
        {
            return DecimalCanonical.Trim(rate);
        }

        if (value.ValueKind == JsonValueKind.Number && double.TryParse(value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out var huge) && huge > 0)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{name}: {value.GetRawText()} is above the limit of {UsageLimits.MaxRatePerToken} USD per token (docs/methodology/limits.md)"));
        }

        throw new FormatException($"{name}: {value.GetRawText()} is not a price of at least 0");
    }

    /// <summary>The largest catalogue read, in bytes (LiteLLM's own is about 1.5 MB).</summary>
    internal const int MaxCatalogBytes = 64 * 1024 * 1024;

    private static ReadOnlyMemory<byte> ReadBounded(Stream stream, string layer)
    {
        using var memory = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (memory.Length + read > MaxCatalogBytes)
            {
                throw new JsonException(string.Create(CultureInfo.InvariantCulture, $"{layer}: larger than {MaxCatalogBytes / (1024 * 1024)} MB; not a price catalogue"));
            }

            memory.Write(buffer, 0, read);
        }

        return memory.GetBuffer().AsMemory(0, (int)memory.Length);
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (offset < bytes.Length)
        {
            var status = System.Text.Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return offset;
    }

    [GeneratedRegex(@"^(?:input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost)_above_(?<k>\d+)k_tokens$", RegexOptions.CultureInvariant)]
    private static partial Regex AboveThreshold();
}
