using System.Buffers;
using System.Globalization;
using System.Text;

namespace TokenTrace;

/// <summary>CSV rows under a header (<see cref="UsageRecordCsv"/>).</summary>
internal sealed class CsvFormat : IFileLedgerFormat
{
    private static readonly byte[] HeaderBytes = Encoding.UTF8.GetBytes(UsageRecordCsv.Header + "\n");

    public static CsvFormat Instance { get; } = new();

    public string Extension => ".csv";

    public ReadOnlySpan<byte> Preamble => HeaderBytes;

    public void Write(IReadOnlyList<UsageRecord> records, ArrayBufferWriter<byte> output)
    {
        var text = new StringBuilder(records.Count * 256);
        foreach (var record in records)
        {
            UsageRecordCsv.AppendRow(text, record);
        }

        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        output.Write(bytes);
    }

    public IEnumerable<FileEntry> Read(Stream stream, string displayPath)
    {
        using var text = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        int[]? map = null;
        foreach (var row in new CsvReader(text).ReadRows())
        {
            if (map is null)
            {
                LedgerProblem? headerProblem = null;
                try
                {
                    map = UsageRecordCsv.MapHeader(row.Cells);
                }
                catch (RecordFieldException ex)
                {
                    headerProblem = new LedgerProblem(displayPath, row.Line, ex.Field, ex.Message);
                }

                if (headerProblem is not null)
                {
                    yield return new FileEntry(null, headerProblem, row.Raw, row.Line, row.Complete);
                    yield break;
                }

                continue;
            }

            if (row.Cells is [null])
            {
                continue; // blank line
            }

            if (!row.Complete)
            {
                yield return new FileEntry(null, new LedgerProblem(displayPath, row.Line, null, "torn last row (a writer stopped mid-record); skipped"), row.Raw, row.Line, false);
                yield break;
            }

            if (row.Cells.Length != map.Length)
            {
                // A short row is a cut-off record (a crashed writer, repaired by a later append): never read it as data.
                yield return new FileEntry(null, new LedgerProblem(displayPath, row.Line, null, string.Create(CultureInfo.InvariantCulture, $"row has {row.Cells.Length} cells, the header has {map.Length}; skipped")), row.Raw, row.Line, true);
                continue;
            }

            UsageRecord? record = null;
            LedgerProblem? problem = null;
            try
            {
                record = UsageRecordCsv.FromCells(row.Cells, map);
            }
            catch (RecordFieldException ex)
            {
                problem = new LedgerProblem(displayPath, row.Line, ex.Field, ex.Message + "; skipped");
            }

            yield return new FileEntry(record, problem, row.Raw, row.Line, true);
        }
    }
}
