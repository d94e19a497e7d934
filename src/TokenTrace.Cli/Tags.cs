namespace TokenTrace.Cli;

/// <summary>Reads repeated <c>K=V</c> options.</summary>
internal static class Tags
{
    public static IReadOnlyDictionary<string, string> Parse(string[]? pairs, string option)
    {
        if (pairs is null || pairs.Length == 0)
        {
            return new Dictionary<string, string>();
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CliInputException($"{option}: '{pair}' must be written KEY=VALUE");
            }

            tags[pair[..equals]] = pair[(equals + 1)..];
        }

        return tags;
    }
}
