using System.Text.RegularExpressions;

namespace TokenTrace;

/// <summary>
/// The names a reported model may be listed under, most specific first: the name itself, with the provider as a
/// prefix, without routing prefixes (<c>openrouter/anthropic/…</c>, <c>us.anthropic.…</c>), with dotted versions hyphenated
/// (<c>claude-sonnet-4.5</c> → <c>claude-sonnet-4-5</c>), and without date or
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

    public static IEnumerable<ModelNameCandidate> For(string model, string? provider)
    {
        var trimmed = model.Trim();
        yield return new("exact", trimmed);

        if (!string.IsNullOrWhiteSpace(provider) && !trimmed.Contains('/', StringComparison.Ordinal))
        {
            foreach (var prefix in ProviderPrefixes.GetValueOrDefault(provider) ?? [provider.Trim().ToLowerInvariant()])
            {
                yield return new("provider prefix", $"{prefix}/{trimmed}");
            }
        }

        var stripped = new List<(string Name, string? Region)>();
        var current = trimmed;
        while (true)
        {
            var slash = current.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == current.Length - 1)
            {
                break;
            }

            current = current[(slash + 1)..];
            stripped.Add((current, null));
        }

        var vendor = VendorPrefix().Match(current);
        if (vendor.Success)
        {
            string? region = null;
            if (vendor.Groups["region"].Success)
            {
                region = vendor.Groups["region"].Value.ToLowerInvariant();
                stripped.Add((current[(vendor.Groups["region"].Length + 1)..], region));
            }

            stripped.Add((current[vendor.Length..], region));
        }

        foreach (var (name, region) in stripped)
        {
            yield return new("prefix removed", name, null, region);
        }

        // OpenRouter and some SDKs write versions with a dot (claude-sonnet-4.5) where the vendor's id has a hyphen
        // (claude-sonnet-4-5); tried only after the dotted name itself, so gpt-4.1 and gemini-2.5-pro stay as they are.
        var bases = new List<(string Name, string? Region)> { (trimmed, null) };
        bases.AddRange(stripped);
        foreach (var (name, region) in bases.ToList())
        {
            var hyphenated = DottedVersion().Replace(name, "-");
            if (!string.Equals(hyphenated, name, StringComparison.Ordinal))
            {
                bases.Add((hyphenated, region));
                yield return new("dotted version", hyphenated, null, region);
            }
        }

        foreach (var (name, region) in bases)
        {
            var shorter = name;
            SnapshotDate? snapshot = null;
            while (VersionSuffix().Match(shorter) is { Success: true, Index: > 0 } match)
            {
                snapshot ??= SnapshotDate.Parse(match.Value);
                shorter = shorter[..match.Index];
                yield return new("suffix removed", shorter, snapshot, region);
            }
        }
    }

    [GeneratedRegex(@"(?<=\d)\.(?=\d)", RegexOptions.CultureInvariant)]
    private static partial Regex DottedVersion();

    [GeneratedRegex(@"^(?:(?<region>us|eu|apac|global|jp|au|ca|us-gov)\.)?(?:anthropic|amazon|meta|mistral|cohere|deepseek|openai|ai21|qwen|writer|google)\.", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex VendorPrefix();

    [GeneratedRegex(@"(?:@[\w.-]+|-v\d+(?::\d+)?|:\d+|-\d{8}|-\d{4}-\d{2}-\d{2}|-latest|-\d{2}-\d{4}|-\d{4})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex VersionSuffix();
}
