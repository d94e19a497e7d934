using System.Text.Json;

namespace TokenTrace.Cli;

/// <summary>Writes JSON to standard output with one writer configuration, so every command's JSON looks alike.</summary>
internal static class JsonOutput
{
    public static void Write(Action<Utf8JsonWriter> write)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var writer = new Utf8JsonWriter(stdout, TokenTrace.Reports.UsageSummaryJson.WriterOptions))
        {
            write(writer);
        }

        stdout.Write("\n"u8);
    }

    /// <summary>
    /// Hands what <paramref name="writer"/> holds to standard output once it passes 64 KB: a writer on a stream keeps
    /// everything until it is flushed, and a summary of 250,000 sessions is ≈ 150 MB of JSON (call between rows).
    /// </summary>
    public static void FlushIfLarge(Utf8JsonWriter writer)
    {
        if (writer.BytesPending > 1 << 16)
        {
            writer.Flush();
        }
    }

    public static void WriteNullable(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
