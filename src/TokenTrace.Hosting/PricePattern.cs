namespace TokenTrace.Hosting;

/// <summary>A regular expression over model names that resolves matching names to a catalogue entry.</summary>
public sealed class PricePattern
{
    /// <summary>The regular expression (for example <c>^ft:gpt-4o</c>).</summary>
    public string Match { get; set; } = "";

    /// <summary>The catalogue entry matching names are priced as.</summary>
    public string Model { get; set; } = "";
}
