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
            Parse(file, bytes);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // Damaged or from another version: every file is read again, which stores nothing twice (records have ids).
            file.Cursors.Clear();
        }

        return file;
    }

    /// <summary>
    /// Reads the file's JSON in one pass (a status line loads the cursors of thousands of files to use one: a document
    /// tree of them took a tenth of its time). A property in another order or unknown is fine; a missing one is damage.
    /// </summary>
    private static void Parse(AgentCursorFile file, ReadOnlySpan<byte> bytes)
    {
        // A byte-order mark (an editor's) is skipped, as JsonDocument did.
        var reader = new Utf8JsonReader(bytes.StartsWith("\uFEFF"u8) ? bytes[3..] : bytes);
        Expect(ref reader, JsonTokenType.StartObject);
        int? version = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("version"u8))
            {
                reader.Read();
                version = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("ledger"u8))
            {
                reader.Read();
                file.LedgerId = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("files"u8))
            {
                reader.Read();
                Expect(reader.TokenType, JsonTokenType.StartObject);
                while (Next(ref reader) == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString()!;
                    reader.Read();
                    file.Cursors[name] = ReadCursor(ref reader);
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (version != Version)
        {
            // Another version's cursors: every file is read again, which stores nothing twice.
            file.Cursors.Clear();
            file.LedgerId = null;
        }
    }

    private static AgentCursor ReadCursor(ref Utf8JsonReader reader)
    {
        Expect(reader.TokenType, JsonTokenType.StartObject);
        long? size = null, modified = null, offset = null, line = null;
        string? head = null, state = null;
        var hasHead = false;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("size"u8))
            {
                reader.Read();
                size = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("modified"u8))
            {
                reader.Read();
                modified = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("offset"u8))
            {
                reader.Read();
                offset = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("line"u8))
            {
                reader.Read();
                line = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("head"u8))
            {
                reader.Read();
                head = reader.GetString();
                hasHead = true;
            }
            else if (reader.ValueTextEquals("state"u8))
            {
                reader.Read();
                state = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return size is { } s && modified is { } m && offset is { } o && line is { } l && hasHead
            ? new AgentCursor(s, m, o, l, head ?? "", state)
            : throw new FormatException("a cursor without its size, modification time, offset, line or head");
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("the cursor file ends early");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        reader.Read();
        Expect(reader.TokenType, type);
    }

    private static void Expect(JsonTokenType found, JsonTokenType type)
    {
        if (found != type)
        {
            throw new JsonException($"expected {type}, found {found}");
        }
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
