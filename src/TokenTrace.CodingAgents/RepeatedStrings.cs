using System.Text.Json;

namespace TokenTrace.CodingAgents;

/// <summary>
/// The last string read for each of a few fields of one file, handed out again while the bytes repeat: a transcript
/// repeats its session, folder and model on every line and a response's ids on each of its lines, so most lines then
/// make no new strings (a large history otherwise spends a good part of its first sync collecting them).
/// </summary>
internal sealed class RepeatedStrings(int fields)
{
    private readonly byte[]?[] _bytes = new byte[]?[fields];
    private readonly string?[] _values = new string?[fields];

    /// <summary>The string value the reader is on (null for an empty string), the same instance as last time when unchanged.</summary>
    public string? Get(ref Utf8JsonReader reader, int field)
    {
        if (!reader.ValueIsEscaped && _bytes[field] is { } last && reader.ValueSpan.SequenceEqual(last))
        {
            return _values[field];
        }

        var value = reader.GetString();
        value = string.IsNullOrEmpty(value) ? null : value;
        if (!reader.ValueIsEscaped)
        {
            _bytes[field] = reader.ValueSpan.ToArray();
            _values[field] = value;
        }

        return value;
    }
}
