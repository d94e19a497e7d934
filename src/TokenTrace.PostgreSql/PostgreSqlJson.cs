using System.Text;
using System.Text.Json;

namespace TokenTrace.PostgreSql;

/// <summary>
/// Tags and extra counts as JSON objects for their text columns, written and read with the UTF-8 writer and
/// reader (no reflection, so the CLI's Native AOT build carries no serializer metadata for them).
/// </summary>
internal static class PostgreSqlJson
{
    /// <summary>A JSON object of string values.</summary>
    public static string Write(IReadOnlyDictionary<string, string> values) => WriteObject(writer =>
    {
        foreach (var (key, value) in values)
        {
            writer.WriteString(key, value);
        }
    });

    /// <summary>A JSON object of integer values.</summary>
    public static string Write(IReadOnlyDictionary<string, long> values) => WriteObject(writer =>
    {
        foreach (var (key, value) in values)
        {
            writer.WriteNumber(key, value);
        }
    });

    /// <summary>Reads a JSON object of string values.</summary>
    public static Dictionary<string, string> ReadStrings(string json)
    {
        using var document = JsonDocument.Parse(json);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            values[property.Name] = property.Value.GetString() ?? "";
        }

        return values;
    }

    /// <summary>Reads a JSON object of integer values.</summary>
    public static Dictionary<string, long> ReadCounts(string json)
    {
        using var document = JsonDocument.Parse(json);
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            values[property.Name] = property.Value.GetInt64();
        }

        return values;
    }

    private static string WriteObject(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
