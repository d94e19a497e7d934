using System.Buffers;

namespace TokenTrace;

/// <summary>How one file ledger lays records out in a file: JSON lines or CSV rows.</summary>
internal interface IFileLedgerFormat
{
    /// <summary>The file extension, with the dot.</summary>
    string Extension { get; }

    /// <summary>Bytes a new file starts with (the CSV header), or empty.</summary>
    ReadOnlySpan<byte> Preamble { get; }

    /// <summary>Writes records, each ending with a newline.</summary>
    void Write(IReadOnlyList<UsageRecord> records, ArrayBufferWriter<byte> output);

    /// <summary>The header a repair writes in place of a damaged one, given the file's entries (empty when the format has none).</summary>
    byte[] RepairedHeader(IReadOnlyList<FileEntry> entries);

    /// <summary>Reads every entry of a file from its start.</summary>
    IEnumerable<FileEntry> Read(Stream stream, string displayPath);
}
