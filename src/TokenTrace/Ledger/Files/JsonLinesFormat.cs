using System.Buffers;
using System.Text;

namespace TokenTrace;

/// <summary>One JSON object per line (<see cref="UsageRecordJson"/>).</summary>
internal sealed class JsonLinesFormat : IFileLedgerFormat
{
    public static JsonLinesFormat Instance { get; } = new();

    public string Extension => ".jsonl";

    public ReadOnlySpan<byte> Preamble => [];

    public void Write(IReadOnlyList<UsageRecord> records, ArrayBufferWriter<byte> output)
    {
        foreach (var record in records)
        {
            UsageRecordJson.WriteLine(output, record);
        }
    }

    public IEnumerable<FileEntry> Read(Stream stream, string displayPath)
    {
        long lineNumber = 0;
        foreach (var (line, complete) in LineSplitter.Split(stream))
        {
            lineNumber++;
            if (line.Length == 0 || (line.Length == 1 && line[0] == '\r'))
            {
                continue;
            }

            var raw = Encoding.UTF8.GetString(line);
            if (!complete)
            {
                yield return new FileEntry(null, new LedgerProblem(displayPath, lineNumber, null, "torn last line (a writer stopped mid-record); skipped"), raw, lineNumber, false);
                yield break;
            }

            UsageRecord? record = null;
            LedgerProblem? problem = null;
            try
            {
                record = UsageRecordJson.Parse(line);
            }
            catch (RecordFieldException ex)
            {
                problem = new LedgerProblem(displayPath, lineNumber, ex.Field == "(line)" ? null : ex.Field, ex.Message + "; skipped");
            }

            yield return new FileEntry(record, problem, raw, lineNumber, true);
        }
    }
}
