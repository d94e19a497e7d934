using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace TokenTrace;

/// <summary>
/// One JSON object per line (<see cref="UsageRecordJson"/>), ending with a checksum member:
/// <c>{"id":"…",…,"crc":"1a2b3c4d"}</c>, where the checksum is the CRC-32 of the line's bytes before <c>,"crc":</c>.
/// Other tools see one more string member; lines without it (older files) still read, unverified.
/// </summary>
internal sealed class JsonLinesFormat : IFileLedgerFormat
{
    /// <summary>The length of <c>,"crc":"xxxxxxxx"}</c>.</summary>
    private const int SuffixLength = 18;

    public static JsonLinesFormat Instance { get; } = new();

    public string Extension => ".jsonl";

    public ReadOnlySpan<byte> Preamble => [];

    private static ReadOnlySpan<byte> ChecksumKey => ",\"crc\":\""u8;

    public void Write(IReadOnlyList<UsageRecord> records, ArrayBufferWriter<byte> output)
    {
        var line = new ArrayBufferWriter<byte>(512);
        Span<byte> suffix = stackalloc byte[SuffixLength + 1];
        ChecksumKey.CopyTo(suffix);
        suffix[^3] = (byte)'"';
        suffix[^2] = (byte)'}';
        suffix[^1] = (byte)'\n';
        foreach (var record in records)
        {
            line.ResetWrittenCount();
            UsageRecordJson.WriteLine(line, record);
            var covered = line.WrittenSpan[..^2]; // without the closing brace and the newline
            LineChecksum.WriteHex(LineChecksum.Compute(covered), suffix[ChecksumKey.Length..]);
            output.Write(covered);
            output.Write(suffix);
        }
    }

    public byte[] RepairedHeader(IReadOnlyList<FileEntry> entries) => [];

    public IEnumerable<FileEntry> Read(Stream stream, string displayPath)
    {
        long lineNumber = 0;
        foreach (var (bytes, complete) in LineSplitter.Split(stream))
        {
            lineNumber++;
            var line = bytes.Length > 0 && bytes[^1] == '\r' ? bytes[..^1] : bytes;
            if (line.Length == 0)
            {
                continue;
            }

            if (!complete)
            {
                yield return new FileEntry(null, new LedgerProblem(displayPath, lineNumber, null, "torn last line (a writer stopped mid-record); skipped"), bytes, lineNumber, false);
                yield break;
            }

            var entry = ReadLine(line, bytes, displayPath, lineNumber);
            yield return entry;
            if (entry.Record is null && RecoverTail(line, lineNumber) is { } recovered)
            {
                yield return recovered;
            }
        }
    }

    private static FileEntry ReadLine(byte[] line, byte[] raw, string displayPath, long lineNumber)
    {
        if (!Utf8.IsValid(line))
        {
            return Problem("the line is not valid UTF-8");
        }

        var checksum = CheckChecksum(line);
        if (checksum == Checksum.Mismatch)
        {
            return Problem("the line's checksum does not match its content (changed after it was written)");
        }

        if (checksum == Checksum.Damaged || (checksum == Checksum.None && HasChecksumMember(line)))
        {
            return Problem("the line's checksum member is damaged");
        }

        try
        {
            return new FileEntry(UsageRecordJson.Parse(line), null, raw, lineNumber, true, Verified: checksum == Checksum.Valid);
        }
        catch (RecordFieldException ex)
        {
            return new FileEntry(null, new LedgerProblem(displayPath, lineNumber, ex.Field == "(line)" ? null : ex.Field, ex.Message + "; skipped"), raw, lineNumber, true);
        }

        FileEntry Problem(string message) => new(null, new LedgerProblem(displayPath, lineNumber, null, message + "; skipped"), raw, lineNumber, true);
    }

    private static Checksum CheckChecksum(ReadOnlySpan<byte> line)
    {
        if (line.Length <= SuffixLength)
        {
            return Checksum.None;
        }

        var suffix = line[^SuffixLength..];
        if (suffix.StartsWith(ChecksumKey) && suffix[^2] == '"' && suffix[^1] == '}')
        {
            return !LineChecksum.TryParseHex(suffix[ChecksumKey.Length..^2], out var expected) ? Checksum.Damaged
                : LineChecksum.Compute(line[..^SuffixLength]) == expected ? Checksum.Valid
                : Checksum.Mismatch;
        }

        // The shape of a checksum member whose three-letter name was hit: ,"???":"xxxxxxxx"}
        if (suffix[0] == ',' && suffix[1] == '"' && suffix[5] == '"' && suffix[6] == ':' && suffix[7] == '"' && suffix[^2] == '"' && suffix[^1] == '}'
            && !suffix[2..5].SequenceEqual("job"u8))
        {
            return Checksum.Damaged;
        }

        return Checksum.None;
    }

    /// <summary>Whether a line without a well-formed checksum suffix still names a top-level <c>crc</c> member.</summary>
    private static bool HasChecksumMember(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("crc"u8))
                {
                    return true;
                }

                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Parse reports it.
        }

        return false;
    }

    /// <summary>
    /// A damaged line may have swallowed the next one (its newline was hit): the longest tail starting with <c>{</c> whose
    /// checksum verifies is that next record, read back. Only checksummed tails are trusted.
    /// </summary>
    private static FileEntry? RecoverTail(byte[] line, long lineNumber)
    {
        var span = line.AsSpan();
        if (span.Length <= SuffixLength || !span[^SuffixLength..].StartsWith(ChecksumKey)
            || !LineChecksum.TryParseHex(span[^(SuffixLength - ChecksumKey.Length)..^2], out var expected))
        {
            return null;
        }

        for (var start = 1; start < span.Length - SuffixLength; start++)
        {
            if (span[start] != '{' || LineChecksum.Compute(span[start..^SuffixLength]) != expected || !Utf8.IsValid(span[start..]))
            {
                continue;
            }

            try
            {
                var tail = span[start..].ToArray();
                return new FileEntry(UsageRecordJson.Parse(tail), null, tail, lineNumber, true, Verified: true);
            }
            catch (RecordFieldException)
            {
                return null;
            }
        }

        return null;
    }

    private enum Checksum
    {
        None,
        Valid,
        Mismatch,
        Damaged,
    }
}
