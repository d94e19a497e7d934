using System.Text.Json;

namespace TokenTrace;

/// <summary>Reads token counts out of provider JSON, failing with the field's path on anything but a whole number ≥ 0.</summary>
internal static class UsageJson
{
    /// <summary>Reads <paramref name="names"/> (first present wins, for camelCase / snake_case variants) as a count.</summary>
    public static long Count(JsonElement parent, string path, params ReadOnlySpan<string> names)
    {
        if (parent.ValueKind != JsonValueKind.Object)
        {
            return 0;
        }

        foreach (var name in names)
        {
            if (parent.TryGetProperty(name, out var value))
            {
                return value.ValueKind switch
                {
                    JsonValueKind.Null => 0,
                    JsonValueKind.Number when value.TryGetInt64(out var count) && count >= 0 => count,
                    JsonValueKind.Number => throw new UsageFormatException($"{path}.{name}", $"{value.GetRawText()} is not a whole number of at least 0"),
                    _ => throw new UsageFormatException($"{path}.{name}", $"expected a number, found {value.ValueKind}"),
                };
            }
        }

        return 0;
    }

    /// <summary>The child object <paramref name="names"/>, or an undefined element when absent.</summary>
    public static JsonElement Child(JsonElement parent, params ReadOnlySpan<string> names)
    {
        if (parent.ValueKind == JsonValueKind.Object)
        {
            foreach (var name in names)
            {
                if (parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object)
                {
                    return value;
                }
            }
        }

        return default;
    }

    /// <summary>Whether any of <paramref name="names"/> is present.</summary>
    public static bool Has(JsonElement parent, params ReadOnlySpan<string> names)
    {
        if (parent.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        foreach (var name in names)
        {
            if (parent.TryGetProperty(name, out _))
            {
                return true;
            }
        }

        return false;
    }

    public static void RequireObject(JsonElement usage, string path)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            throw new UsageFormatException(path, $"expected an object, found {usage.ValueKind}");
        }
    }

    public static IReadOnlyDictionary<string, long> Extras(params ReadOnlySpan<(string Key, long Value)> counts)
    {
        Dictionary<string, long>? extra = null;
        foreach (var (key, value) in counts)
        {
            if (value > 0)
            {
                (extra ??= new Dictionary<string, long>(StringComparer.Ordinal))[key] = value;
            }
        }

        return extra ?? TokenCounts.EmptyExtra;
    }
}
