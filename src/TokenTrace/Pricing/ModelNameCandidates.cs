using System.Text.RegularExpressions;

namespace TokenTrace;

/// <summary>
/// The names a reported model may be listed under, most specific first: the name itself, with the provider as a
/// prefix, without routing prefixes (<c>openrouter/anthropic/…</c>, <c>us.anthropic.…</c>), and without date or
/// version suffixes (<c>-20250929</c>, <c>@20250929</c>, <c>-v1:0</c>, <c>-latest</c>, <c>-2411</c>).
/// </summary>
internal static partial class ModelNameCandidates
{
    private static readonly Dictionary<string, string[]> ProviderPrefixes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["google"] = ["gemini", "vertex_ai"],
        ["gemini"] = ["gemini", "vertex_ai"],
        ["vertex"] = ["vertex_ai", "gemini"],
        ["vertex_ai"] = ["vertex_ai", "gemini"],
        ["bedrock"] = ["bedrock", "bedrock_converse"],
        ["aws"] = ["bedrock", "bedrock_converse"],
        ["azure"] = ["azure", "azure_ai"],
        ["together"] = ["together_ai"],
        ["together_ai"] = ["together_ai"],
        ["fireworks"] = ["fireworks_ai"],
    };

    public static IEnumerable<(string Rule, string Name)> For(string model, string? provider)
    {
        var trimmed = model.Trim();
        yield return ("exact", trimmed);

        if (!string.IsNullOrWhiteSpace(provider) && !trimmed.Contains('/', StringComparison.Ordinal))
        {
            foreach (var prefix in ProviderPrefixes.GetValueOrDefault(provider) ?? [provider.Trim().ToLowerInvariant()])
            {
                yield return ("provider prefix", $"{prefix}/{trimmed}");
            }
        }

        var stripped = new List<string>();
        var current = trimmed;
        while (true)
        {
            var slash = current.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == current.Length - 1)
            {
                break;
            }

            current = current[(slash + 1)..];
            stripped.Add(current);
        }

        var vendor = VendorPrefix().Match(current);
        if (vendor.Success)
        {
            if (vendor.Groups["region"].Success)
            {
                stripped.Add(current[(vendor.Groups["region"].Length + 1)..]);
            }

            stripped.Add(current[vendor.Length..]);
        }

        foreach (var name in stripped)
        {
            yield return ("prefix removed", name);
        }

        foreach (var name in stripped.Prepend(trimmed))
        {
            var shorter = name;
            while (StripSuffix(shorter) is { } next)
            {
                shorter = next;
                yield return ("suffix removed", shorter);
            }
        }
    }

    private static string? StripSuffix(string name)
    {
        var match = VersionSuffix().Match(name);
        return match.Success && match.Index > 0 ? name[..match.Index] : null;
    }

    [GeneratedRegex(@"^(?:(?<region>us|eu|apac|global|jp|au|ca|us-gov)\.)?(?:anthropic|amazon|meta|mistral|cohere|deepseek|openai|ai21|qwen|writer|google)\.", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex VendorPrefix();

    [GeneratedRegex(@"(?:@[\w.-]+|-v\d+(?::\d+)?|:\d+|-\d{8}|-\d{4}-\d{2}-\d{2}|-latest|-\d{2}-\d{4}|-\d{4})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex VersionSuffix();
}
