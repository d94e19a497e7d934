using System.Globalization;

namespace TokenTrace.CodingAgents;

/// <summary>One of Codex's usage objects, as written (input includes cached, output includes reasoning).</summary>
internal sealed record CodexCounts(long Input, long Cached, long Output, long Reasoning)
{
    public static CodexCounts Zero { get; } = new(0, 0, 0, 0);

    public bool IsZero => Input == 0 && Cached == 0 && Output == 0 && Reasoning == 0;

    /// <summary>This cumulative total less an earlier one: the usage in between.</summary>
    /// <exception cref="UsageFormatException">A count went down (the totals are not cumulative).</exception>
    public CodexCounts Minus(CodexCounts earlier, string field)
    {
        var delta = new CodexCounts(Input - earlier.Input, Cached - earlier.Cached, Output - earlier.Output, Reasoning - earlier.Reasoning);
        if (delta.Input < 0 || delta.Cached < 0 || delta.Output < 0 || delta.Reasoning < 0)
        {
            throw new UsageFormatException(field, "a cumulative total went down");
        }

        return delta;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Input},{Cached},{Output},{Reasoning}");

    public static CodexCounts? Parse(string? text)
    {
        var parts = text?.Split(',');
        return parts is { Length: 4 }
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var input)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var cached)
            && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var output)
            && long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var reasoning)
            ? new CodexCounts(input, cached, output, reasoning)
            : null;
    }
}
