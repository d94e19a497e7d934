using System.Security.Cryptography;
using System.Text.Json;

namespace TokenTrace.CodingAgents;

/// <summary>
/// The cursors of every history file synced into one ledger, kept as one JSON file written atomically (a crash leaves
/// the previous version). The file names the ledger's identity: cursors kept for a ledger that has since been replaced
/// (deleted and created again) are dropped, so its history is read again into the new one.
/// </summary>
internal sealed class AgentCursorFile
{
    private const int Version = 1;
    private const int HeadBytes = 4096;

    /// <summary>
    /// The bytes last read from or written to the file: a save that would write the same bytes again is skipped, so a
    /// sync with nothing new (the status line's, many times a minute) writes and flushes nothing.
    /// </summary>
    private byte[]? _onDisk;

    public Dictionary<string, AgentCursor> Cursors { get; } = new(StringComparer.Ordinal);

    public string? LedgerId { get; set; }

    /// <summary>
    /// Drops the cursors of history files that are gone (not among <paramref name="listed"/> and not on disk), so that the
    /// cursor file does not grow with every file ever seen. Safe should a file come back: it is read from the start, and
    /// its records, whose ids do not depend on the cursor, are ones the ledger already has and drops.
    /// </summary>
    public void ForgetDeleted(IReadOnlySet<string> listed)
    {
        foreach (var file in Cursors.Keys.Where(file => !listed.Contains(file) && !File.Exists(file)).ToList())
        {
            Cursors.Remove(file);
        }
    }

    public static AgentCursorFile Load(string path)
    {
        var file = new AgentCursorFile();
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return file;
        }
        catch (DirectoryNotFoundException)
        {
            return file;
        }

        try
        {
            file._onDisk = bytes;
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.GetProperty("version").GetInt32() != Version)
            {
                return file;
            }

            file.LedgerId = root.TryGetProperty("ledger", out var ledger) && ledger.ValueKind == JsonValueKind.String ? ledger.GetString() : null;
            foreach (var entry in root.GetProperty("files").EnumerateObject())
            {
                var value = entry.Value;
                file.Cursors[entry.Name] = new AgentCursor(
                    value.GetProperty("size").GetInt64(), value.GetProperty("modified").GetInt64(), value.GetProperty("offset").GetInt64(),
                    value.GetProperty("line").GetInt64(), value.GetProperty("head").GetString() ?? "",
                    value.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.String ? state.GetString() : null);
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // Damaged or from another version: every file is read again, which stores nothing twice (records have ids).
            file.Cursors.Clear();
        }

        return file;
    }

    public void Save(string path)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("version", Version);
            writer.WriteString("ledger", LedgerId);
            writer.WriteStartObject("files");
            foreach (var (file, cursor) in Cursors.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                writer.WriteStartObject(file);
                writer.WriteNumber("size", cursor.Size);
                writer.WriteNumber("modified", cursor.ModifiedTicks);
                writer.WriteNumber("offset", cursor.Offset);
                writer.WriteNumber("line", cursor.NextLine);
                writer.WriteString("head", cursor.Head);
                if (cursor.State is not null)
                {
                    writer.WriteString("state", cursor.State);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        var bytes = buffer.ToArray();
        if (_onDisk is not null && bytes.AsSpan().SequenceEqual(_onDisk))
        {
            return;
        }

        SecureFile.EnsureDirectory(Path.GetDirectoryName(Path.GetFullPath(path)));
        SecureFile.WriteAllBytesAtomic(path, bytes);
        _onDisk = bytes;
    }

    /// <summary>A hash of the first bytes of <paramref name="path"/>, at most <paramref name="limit"/> of them.</summary>
    public static string Head(string path, long limit)
    {
        var length = (int)Math.Min(HeadBytes, limit);
        var bytes = new byte[length];
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            length = stream.ReadAtLeast(bytes, length, throwOnEndOfStream: false);
        }

        return Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan(0, length)))[..32];
    }
}
