using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Collections;
using TokenTrace.Server.Otlp.Proto;

namespace TokenTrace.Server.Otlp;

/// <summary>
/// The attributes of a span, data point or resource by key (the last of a repeated key wins, as OTLP receivers do),
/// read as text or whole numbers whatever type the sender gave them: an instrumentation in another language may send a
/// token count as an int, a double or a string.
/// </summary>
internal sealed class OtlpAttributes
{
    public static readonly OtlpAttributes Empty = new(null);

    private readonly Dictionary<string, AnyValue> _values = new(StringComparer.Ordinal);

    public OtlpAttributes(RepeatedField<KeyValue>? attributes)
    {
        if (attributes is null)
        {
            return;
        }

        foreach (var pair in attributes)
        {
            if (pair.Value is not null)
            {
                _values[pair.Key] = pair.Value;
            }
        }
    }

    public IEnumerable<KeyValuePair<string, AnyValue>> All => _values;

    public bool Has(string key) => _values.ContainsKey(key);

    /// <summary>The value as text (numbers and booleans in the invariant culture); null when absent, empty or not a scalar.</summary>
    public string? Text(string key)
    {
        if (!_values.TryGetValue(key, out var value))
        {
            return null;
        }

        var text = value.ValueCase switch
        {
            AnyValue.ValueOneofCase.StringValue => value.StringValue,
            AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
            AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString("R", CultureInfo.InvariantCulture),
            AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
            _ => null,
        };
        return string.IsNullOrWhiteSpace(text) ? null : text;
    }

    /// <summary>The first of <paramref name="keys"/> that has a text value.</summary>
    public string? Text(params ReadOnlySpan<string> keys)
    {
        foreach (var key in keys)
        {
            if (Text(key) is { } text)
            {
                return text;
            }
        }

        return null;
    }

    /// <summary>
    /// The value as a whole number: null when absent; a <see cref="FormatException"/> naming the key when it is present
    /// but not a whole number (a fraction, NaN, text that is not an integer), so a bad count is refused, never rounded.
    /// </summary>
    public long? Count(string key)
    {
        if (!_values.TryGetValue(key, out var value))
        {
            return null;
        }

        switch (value.ValueCase)
        {
            case AnyValue.ValueOneofCase.IntValue:
                return value.IntValue;
            case AnyValue.ValueOneofCase.DoubleValue when double.IsFinite(value.DoubleValue) && Math.Floor(value.DoubleValue) == value.DoubleValue && Math.Abs(value.DoubleValue) < 9e15:
                return (long)value.DoubleValue;
            case AnyValue.ValueOneofCase.StringValue when long.TryParse(value.StringValue, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed):
                return parsed;
            default:
                throw new FormatException($"{key}: expected a whole number of tokens");
        }
    }

    /// <summary>A canonical text of every attribute but <paramref name="except"/>, sorted by key: part of a stable record id.</summary>
    public string Canonical(string? except = null) =>
        string.Join('\u001f', _values.Where(p => p.Key != except).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + Convert.ToHexString(p.Value.ToByteArray())));
}
