using System.Buffers;
using System.Text.Json;

namespace TokenTrace.Server;

/// <summary>
/// The server's tokens file: JSON, <c>{"tokens":[{"name","scope","sha256","project","device"}]}</c>, hashes only, created
/// readable by its owner only. A token's secret is shown once, when it is added, and never stored.
/// </summary>
public static class ServerTokenFile
{
    /// <summary>Reads the tokens in <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">The file is not a tokens file; the message names it and the entry.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static ServerTokenSet Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var tokens = new List<ServerToken>();
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            if (!document.RootElement.TryGetProperty("tokens", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"{path}: expected {{\"tokens\":[…]}}");
            }

            var index = 0;
            foreach (var entry in list.EnumerateArray())
            {
                index++;
                tokens.Add(Read(entry, $"{path}: token {index}"));
            }

            return new ServerTokenSet(tokens);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{path}: not JSON ({ex.Message})", ex);
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Adds a token named <paramref name="name"/> to <paramref name="path"/> (creating the file) and returns its secret:
    /// the only time it is seen.
    /// </summary>
    /// <exception cref="ArgumentException">A token of that name exists already, or the name is empty.</exception>
    public static string Add(string path, string name, ServerTokenScope scope, string? project = null, string? device = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var existing = File.Exists(path) ? Load(path).Tokens : [];
        if (existing.Any(t => t.Name == name))
        {
            throw new ArgumentException($"{path}: a token named '{name}' exists already; remove it first to rotate it", nameof(name));
        }

        var secret = ServerTokenSet.NewSecret();
        Save(path, [.. existing, new ServerToken(name, scope, ServerTokenSet.Hash(secret), project, device)]);
        return secret;
    }

    /// <summary>Removes the token named <paramref name="name"/>; false when there is none.</summary>
    public static bool Remove(string path, string name)
    {
        ArgumentNullException.ThrowIfNull(path);
        var existing = File.Exists(path) ? Load(path).Tokens : [];
        if (existing.All(t => t.Name != name))
        {
            return false;
        }

        Save(path, [.. existing.Where(t => t.Name != name)]);
        return true;
    }

    private static ServerToken Read(JsonElement entry, string where)
    {
        string? Text(string field) => entry.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var name = Text("name") is { Length: > 0 } n ? n : throw new FormatException($"{where}: no name");
        var scope = Text("scope") switch
        {
            "read" => ServerTokenScope.Read,
            "write" => ServerTokenScope.Write,
            var other => throw new FormatException($"{where} ({name}): scope '{other}' is not read or write"),
        };
        byte[] hash;
        try
        {
            hash = Convert.FromHexString(Text("sha256") ?? "");
        }
        catch (FormatException)
        {
            throw new FormatException($"{where} ({name}): sha256 is not hexadecimal");
        }

        return hash.Length == 32
            ? new ServerToken(name, scope, hash, Text("project"), Text("device"))
            : throw new FormatException($"{where} ({name}): sha256 is not 32 bytes of hexadecimal");
    }

    private static void Save(string path, IReadOnlyList<ServerToken> tokens)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("tokens");
            foreach (var token in tokens)
            {
                writer.WriteStartObject();
                writer.WriteString("name", token.Name);
                writer.WriteString("scope", token.Scope == ServerTokenScope.Write ? "write" : "read");
                writer.WriteString("sha256", Convert.ToHexStringLower(token.Sha256.Span));
                if (token.Project is not null)
                {
                    writer.WriteString("project", token.Project);
                }

                if (token.Device is not null)
                {
                    writer.WriteString("device", token.Device);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        SecureFile.EnsureDirectory(Path.GetDirectoryName(Path.GetFullPath(path)));
        SecureFile.WriteAllBytesAtomic(path, buffer.WrittenSpan);
    }
}
