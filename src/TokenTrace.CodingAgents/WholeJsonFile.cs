using System.Text.Json;

namespace TokenTrace.CodingAgents;

/// <summary>Reading a history file that its agent rewrites whole (one JSON document), the same way for every such reader.</summary>
internal static class WholeJsonFile
{
    /// <summary>
    /// The file's document, or <see langword="null"/> after a counted skip when it is not valid JSON (caught mid-rewrite,
    /// or damaged: nothing is taken from it this time, and the next read tries again). The caller disposes it.
    /// </summary>
    public static JsonDocument? Parse(AgentFileRead read)
    {
        byte[] bytes;
        using (var stream = new FileStream(read.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }

        try
        {
            var document = JsonDocument.Parse(bytes);
            read.Lines = 1;
            read.EndOffset = bytes.Length;
            return document;
        }
        catch (JsonException ex)
        {
            read.Skip(ex.LineNumber is { } line ? line + 1 : 0, null, "not valid JSON: " + ex.Message);
            return null;
        }
    }
}
