using System.IO.Compression;

namespace TokenTrace;

/// <summary>Reads a whole export file (JSON lines or CSV, optionally gzipped): every record, and every line that is not one.</summary>
public static class UsageRecordFile
{
    /// <summary>Reads <paramref name="path"/>; the format follows the extension (<c>.csv</c>, else JSON lines; <c>.gz</c> is decompressed).</summary>
    public static (IReadOnlyList<UsageRecord> Records, IReadOnlyList<LedgerProblem> Problems) Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var compressed = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        var name = compressed ? path[..^3] : path;
        IFileLedgerFormat format = name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? CsvFormat.Instance : JsonLinesFormat.Instance;
        var records = new List<UsageRecord>();
        var problems = new List<LedgerProblem>();
        using Stream raw = File.OpenRead(path);
        using var stream = compressed ? new GZipStream(raw, CompressionMode.Decompress) : raw;
        foreach (var entry in format.Read(stream, path))
        {
            if (entry.Record is { } record)
            {
                var invalid = UsageRecordValidator.Validate(record);
                if (invalid.Count == 0)
                {
                    records.Add(record);
                }
                else
                {
                    problems.Add(new LedgerProblem(path, entry.Line, null, string.Join("; ", invalid)));
                }
            }
            else if (entry.Problem is { } problem)
            {
                problems.Add(problem);
            }
        }

        return (records, problems);
    }
}
