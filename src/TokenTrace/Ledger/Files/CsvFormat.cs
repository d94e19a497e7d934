using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace TokenTrace;

/// <summary>
/// CSV rows under a header (<see cref="UsageRecordCsv"/>), each ending with a <c>crc</c> cell: the CRC-32 of the row's
/// bytes before its last comma, as 8 hex digits. A checksummed row is always in TokenTrace's column order, so it reads
/// even under a damaged header. Rows without a <c>crc</c> cell under a header without that column (older files, other tools) still
/// read, unverified, through the header; under a header that has it, a row must carry a valid checksum. Rows are found in the bytes before decoding, so one undecodable or damaged row costs
/// that row; a quote opened by damage that swallows the following lines is undone line by line.
/// </summary>
internal sealed class CsvFormat : IFileLedgerFormat
{
    private const string ChecksumColumn = "crc";

    /// <summary>How far a quoted cell may run over lines before the row is read as damaged (a quote opened by damage).</summary>
    private const int MaxRowBytes = 16 * 1024 * 1024;

    /// <summary>How many physical lines one row may take before it is read as damaged.</summary>
    private const int MaxRowLines = 65_536;

    /// <summary>How many bytes one search for a verified row inside a damaged one may scan.</summary>
    private const long MaxRecoveryScanBytes = 64L * 1024 * 1024;
    private static readonly string ChecksummedHeader = UsageRecordCsv.Header + "," + ChecksumColumn;
    private static readonly byte[] HeaderEndBytes = Encoding.UTF8.GetBytes("," + ChecksumColumn);
    private static readonly byte[] HeaderBytes = Encoding.UTF8.GetBytes(ChecksummedHeader + "\n");
    private static readonly byte[] PlainHeaderBytes = Encoding.UTF8.GetBytes(UsageRecordCsv.Header + "\n");
    private static readonly int[] LedgerColumns = [.. Enumerable.Range(0, UsageRecordFields.Names.Count)];

    public static CsvFormat Instance { get; } = new();

    public string Extension => ".csv";

    public ReadOnlySpan<byte> Preamble => HeaderBytes;

    public void Write(IReadOnlyList<UsageRecord> records, ArrayBufferWriter<byte> output)
    {
        var text = new StringBuilder(512);
        Span<byte> suffix = stackalloc byte[LineChecksum.HexLength + 2];
        suffix[0] = (byte)',';
        suffix[^1] = (byte)'\n';
        foreach (var record in records)
        {
            UsageRecordCsv.AppendRow(text.Clear(), record);
            var row = Encoding.UTF8.GetBytes(text.ToString(0, text.Length - 1)); // without the newline
            LineChecksum.WriteHex(LineChecksum.Compute(row), suffix[1..^1]);
            output.Write(row);
            output.Write(suffix);
        }
    }

    public byte[] RepairedHeader(IReadOnlyList<FileEntry> entries) =>
        entries.Any(e => e.Record is not null && !e.Verified) ? PlainHeaderBytes : HeaderBytes;

    public IEnumerable<FileEntry> Read(Stream stream, string displayPath)
    {
        using var source = LineSplitter.Split(stream).GetEnumerator();
        var pending = new Stack<PhysicalLine>(); // lines given back after a damaged row swallowed them; the next one on top
        var row = new List<PhysicalLine>();
        long rowBytes = 0;
        var scanner = new QuoteScanner();
        Header? header = null;
        var headerReported = false;
        long number = 0;
        while (true)
        {
            var atEnd = false;
            if (pending.TryPop(out var given))
            {
                row.Add(given);
            }
            else if (source.MoveNext())
            {
                row.Add(new PhysicalLine(source.Current.Line, ++number, source.Current.Complete));
            }
            else if (row.Count == 0)
            {
                yield break;
            }
            else
            {
                atEnd = true; // a quote left open at the end of the file: read what there is as the row
            }

            var line = row[^1];
            if (!atEnd && row.Count == 1 && line.Complete && IsBlank(line.Bytes))
            {
                row.Clear();
                continue;
            }

            rowBytes += line.Bytes.Length + 1;
            if (!atEnd && scanner.EndsInQuotes(line.Bytes) && line.Complete && row.Count < MaxRowLines && rowBytes < MaxRowBytes)
            {
                continue; // a quoted cell goes on to the next line (a quote that damage opened stops at the bounds, read as a damaged row)
            }

            PhysicalLine[] lines = [.. row];
            row.Clear();
            rowBytes = 0;
            scanner.Reset();
            var bytes = Join(lines);
            var first = lines[0].Number;
            if (!lines[^1].Complete)
            {
                yield return new FileEntry(null, new LedgerProblem(displayPath, first, null, "torn last row (a writer stopped mid-record); skipped"), bytes, first, false, IsHeader: header is null);
                yield break;
            }

            if (header is null)
            {
                header = ReadHeader(bytes, displayPath, first, out var headerEntry);
                // A header that reads cleanly on one line was not hit: skip the search (it runs on every file read).
                var suspect = headerEntry.Problem is not null || header.Map is null || lines.Length > 1;
                if (suspect && (RecoverTail(lines, firstLineOnly: false) ?? RecoverTail(lines, firstLineOnly: true)) is { } merged)
                {
                    // The header's newline was hit and the first row ran into it.
                    header = header with { Damaged = true };
                    yield return headerEntry with { Problem = new LedgerProblem(displayPath, first, null, "the header row is damaged (the first row ran into it)"), Raw = merged.Before };
                    yield return merged.Entry;
                    GiveBack(pending, lines, merged.Lines);
                    continue;
                }

                if (suspect && HeaderEnd(lines[0].Bytes) is { } restart)
                {
                    // The header's newline was hit and a first row that runs on past these lines ran into it: read the
                    // header from before the damaged byte, and the row again from where it starts.
                    header = ReadHeader(lines[0].Bytes[..(restart - 1)], displayPath, first, out headerEntry) with { Damaged = true };
                    yield return headerEntry with { Problem = headerEntry.Problem ?? new LedgerProblem(displayPath, first, null, "the header row is damaged (the first row ran into it)"), Raw = lines[0].Bytes[..restart] };
                    GiveBack(pending, lines, 1);
                    pending.Push(lines[0] with { Bytes = lines[0].Bytes[restart..] });
                    continue;
                }

                if (lines.Length > 1)
                {
                    // A header never spans lines: a quote opened by damage ran on. The first line is the header; the rest are rows.
                    header = ReadHeader(lines[0].Bytes, displayPath, first, out headerEntry) with { Damaged = true };
                    yield return headerEntry with { Problem = headerEntry.Problem ?? new LedgerProblem(displayPath, first, null, "the header row is damaged (a quote in it is not closed)") };
                    GiveBack(pending, lines, 1);
                    continue;
                }

                yield return headerEntry;
                continue;
            }

            var result = ReadRow(bytes, header, displayPath, first);
            if (result.Entry is not { } entry)
            {
                continue;
            }

            FileEntry? recovered = null;
            if (entry.Record is null && SplitAtHitNewline(lines, displayPath) is { } split)
            {
                // The row is whole and verifies; only its newline was hit, and the next row ran into it. Read the next
                // row again from where it starts, with its own quoting (it may run on past these lines).
                entry = split.Row;
                recovered = split.Damage;
                GiveBack(pending, lines, split.Line + 1);
                pending.Push(lines[split.Line] with { Bytes = lines[split.Line].Bytes[split.Offset..] });
            }
            else if (entry.Record is null)
            {
                // A damaged row may have swallowed the rows after it (a quote opened, or its newline was hit): a verified
                // tail is the next row; other lines after the first are read again as rows of their own.
                var used = 1;
                if ((RecoverTail(lines, firstLineOnly: false) ?? RecoverTail(lines, firstLineOnly: true)) is { } tail)
                {
                    (recovered, used) = (tail.Entry, tail.Lines);
                    entry = entry with { Raw = tail.Before };
                }
                else
                {
                    entry = entry with { Raw = lines[0].Bytes };
                }

                GiveBack(pending, lines, used);
            }

            if (result.HeaderSuspect && !headerReported && !header.Damaged)
            {
                headerReported = true;
                yield return new FileEntry(null, new LedgerProblem(displayPath, header.Line, null, "the header row is damaged; checksummed rows are read in TokenTrace's column order"), [], header.Line, true, IsHeader: true);
            }

            yield return entry;
            if (recovered is { } found)
            {
                yield return found;
            }
        }
    }

    private static Header ReadHeader(byte[] bytes, string displayPath, long line, out FileEntry entry)
    {
        string? problem = null;
        string?[] cells = [];
        int[]? map = null;
        var text = "";
        if (!Utf8.IsValid(bytes))
        {
            problem = "the header row is not valid UTF-8";
        }
        else
        {
            text = Encoding.UTF8.GetString(bytes);
            cells = ParseCells(text) ?? [];
            try
            {
                map = UsageRecordCsv.MapHeader(cells);
            }
            catch (RecordFieldException ex)
            {
                entry = new FileEntry(null, new LedgerProblem(displayPath, line, ex.Field, ex.Message), bytes, line, true, IsHeader: true);
                return new Header(text, null, cells.Length, cells.Length > 0 && cells[^1] == ChecksumColumn, false, line, Damaged: true);
            }
        }

        entry = new FileEntry(null, problem is null ? null : new LedgerProblem(displayPath, line, null, problem), bytes, line, true, IsHeader: true);
        var names = UsageRecordFields.Names.Count;
        return new Header(
            text,
            map,
            cells.Length,
            HasChecksumColumn: cells.Length > 0 && cells[^1] == ChecksumColumn,
            LedgerLayout: text.StartsWith(UsageRecordCsv.Header + ",", StringComparison.Ordinal) && cells.Length == names + 1,
            line,
            Damaged: problem is not null);
    }

    private static RowResult ReadRow(byte[] bytes, Header header, string displayPath, long line)
    {
        if (!Utf8.IsValid(bytes))
        {
            return Fail("the row is not valid UTF-8");
        }

        var text = Encoding.UTF8.GetString(bytes);
        if (text == header.Text || text == ChecksummedHeader || text == UsageRecordCsv.Header)
        {
            return default; // a second header, from two writers starting the file at once without the lock
        }

        if (ParseCells(text) is not { } cells)
        {
            return Fail("a quoted cell is not closed");
        }

        var names = UsageRecordFields.Names.Count;
        if (cells.Length == names + 1 && cells[^1] is { } last && LineChecksum.IsHex(last)
            && (header.Map is null || header.HasChecksumColumn || header.LedgerLayout || header.Columns != cells.Length))
        {
            if (bytes.Length <= LineChecksum.HexLength || bytes[^(LineChecksum.HexLength + 1)] != ','
                || !LineChecksum.TryParseHex(bytes.AsSpan(^LineChecksum.HexLength), out var expected))
            {
                return Fail("the row's checksum cell is damaged");
            }

            if (LineChecksum.Compute(bytes.AsSpan(0, bytes.Length - LineChecksum.HexLength - 1)) != expected)
            {
                return Fail("the row's checksum does not match its content (changed after it was written)");
            }

            return Record(LedgerColumns, verified: true) with { HeaderSuspect = header.Text != ChecksummedHeader && header.Text != UsageRecordCsv.Header };
        }

        if (header.HasChecksumColumn && cells.Length == header.Columns)
        {
            // In a file that carries checksums a row without one is cut off or was edited by hand: never read it as data.
            return Fail(cells[^1] is { Length: > 0 } ? "the row's checksum cell is damaged" : "the row has no checksum (cut off, or edited by hand)");
        }

        if (header.Map is not { } map)
        {
            return Fail("the file has no usable header row");
        }

        if (cells.Length != map.Length)
        {
            // A short row is a cut-off record (a crashed writer, repaired by a later append): never read it as data.
            return Fail(string.Create(CultureInfo.InvariantCulture, $"row has {cells.Length} cells, the header has {map.Length}"));
        }

        return Record(map, verified: false);

        RowResult Record(int[] columns, bool verified)
        {
            try
            {
                return new RowResult(new FileEntry(UsageRecordCsv.FromCells(cells, columns), null, bytes, line, true, Verified: verified), false);
            }
            catch (RecordFieldException ex)
            {
                return new RowResult(new FileEntry(null, new LedgerProblem(displayPath, line, ex.Field, ex.Message + "; skipped"), bytes, line, true), false);
            }
        }

        RowResult Fail(string message) => new(new FileEntry(null, new LedgerProblem(displayPath, line, null, message + "; skipped"), bytes, line, true), false);
    }

    /// <summary>
    /// The next row inside a damaged one, when one byte joined rows (a row's newline was hit) or a quote the damage opened
    /// swallowed the rows after it. A candidate start is a line start after the first line, or the byte after a row's
    /// checksum cell (<c>,</c> and 8 hex digits, then the byte that was its newline); the header's last cell stands in for
    /// a checksum before the first row. From a candidate the row runs,
    /// quotes followed, to its natural end; the first one whose checksum verifies and that holds a full row is the tail.
    /// Called first for those starts, then with <paramref name="firstLineOnly"/> for any start in the first line (bytes
    /// inserted before a row), so that a long search from the first line cannot use up the bound before the line starts.
    /// Only checksummed tails are trusted, and the work is bounded (<see cref="MaxRecoveryScanBytes"/>), so a large
    /// damaged group costs linear time.
    /// </summary>
    private static (FileEntry Entry, int Lines, byte[] Before)? RecoverTail(PhysicalLine[] lines, bool firstLineOnly)
    {
        var row = Join(lines);
        var lineStarts = new int[lines.Length];
        for (var i = 1; i < lines.Length; i++)
        {
            lineStarts[i] = lineStarts[i - 1] + lines[i - 1].Bytes.Length + 1;
        }

        long scanned = 0;
        for (var start = 1; start < row.Length && scanned < MaxRecoveryScanBytes; start++)
        {
            var atLineStart = row[start - 1] == '\n';
            if (firstLineOnly ? start >= lines[0].Bytes.Length : !atLineStart && !FollowsChecksumCell(row, start - 1))
            {
                if (firstLineOnly)
                {
                    break;
                }

                continue;
            }

            var end = NaturalEnd(row, start);
            scanned += end - start;
            var tail = row.AsSpan(start, end - start);
            if (tail.Length > 0 && tail[^1] == '\r')
            {
                tail = tail[..^1];
            }

            const int SuffixLength = LineChecksum.HexLength + 1;
            if (tail.Length <= SuffixLength || tail[^SuffixLength] != ','
                || !LineChecksum.TryParseHex(tail[^LineChecksum.HexLength..], out var expected)
                || LineChecksum.Compute(tail[..^SuffixLength]) != expected
                || !Utf8.IsValid(tail))
            {
                continue;
            }

            if (ParseCells(Encoding.UTF8.GetString(tail)) is not { } cells || cells.Length != UsageRecordFields.Names.Count + 1)
            {
                continue;
            }

            var firstLine = Array.BinarySearch(lineStarts, start);
            firstLine = firstLine >= 0 ? firstLine : ~firstLine - 1;
            var lastLine = Array.BinarySearch(lineStarts, end - 1);
            lastLine = lastLine >= 0 ? lastLine : ~lastLine - 1;
            try
            {
                var entry = new FileEntry(UsageRecordCsv.FromCells(cells, LedgerColumns), null, tail.ToArray(), lines[firstLine].Number, true, Verified: true);
                return (entry, lastLine + 1, row[..(atLineStart ? start - 1 : start)]);
            }
            catch (RecordFieldException)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>Where a first row starts inside the header's line when the header's newline was hit: after <c>,crc</c> and the damaged byte.</summary>
    private static int? HeaderEnd(byte[] line)
    {
        var at = line.AsSpan().IndexOf(HeaderEndBytes);
        return at > 0 && at + HeaderEndBytes.Length + 1 < line.Length ? at + HeaderEndBytes.Length + 1 : null;
    }

    /// <summary>
    /// A damaged group that is a whole row whose newline was hit: the bytes from the group's start up to a checksum cell
    /// (<c>,</c> and 8 hex digits) verify against that checksum, and one byte follows where the newline was. Returns the
    /// row, an entry reporting the damaged byte, and where the next row starts. A running CRC keeps this linear.
    /// </summary>
    private static (FileEntry Row, FileEntry Damage, int Line, int Offset)? SplitAtHitNewline(PhysicalLine[] lines, string displayPath)
    {
        var crc = new System.IO.Hashing.Crc32();
        for (var line = 0; line < lines.Length; line++)
        {
            var bytes = lines[line].Bytes;
            var hashed = 0;
            for (var damaged = LineChecksum.HexLength + 1; damaged < bytes.Length - 1; damaged++)
            {
                var end = bytes[damaged - 1] == '\r' ? damaged - 1 : damaged;
                var comma = end - LineChecksum.HexLength - 1;
                if (comma < hashed || bytes[comma] != ',' || !LineChecksum.TryParseHex(bytes.AsSpan(comma + 1, LineChecksum.HexLength), out var expected))
                {
                    continue;
                }

                crc.Append(bytes.AsSpan(hashed, comma - hashed));
                hashed = comma;
                if (crc.GetCurrentHashAsUInt32() != expected)
                {
                    continue;
                }

                var row = new ArrayBufferWriter<byte>();
                for (var i = 0; i < line; i++)
                {
                    row.Write(lines[i].Bytes);
                    row.Write("\n"u8);
                }

                row.Write(bytes.AsSpan(0, end));
                var raw = row.WrittenSpan.ToArray();
                if (!Utf8.IsValid(raw) || ParseCells(Encoding.UTF8.GetString(raw)) is not { } cells || cells.Length != UsageRecordFields.Names.Count + 1)
                {
                    continue;
                }

                try
                {
                    var first = lines[0].Number;
                    var hit = lines[line].Number;
                    var record = new FileEntry(UsageRecordCsv.FromCells(cells, LedgerColumns), null, raw, first, true, Verified: true);
                    var problem = new LedgerProblem(displayPath, hit, null, string.Create(CultureInfo.InvariantCulture, $"a row's newline was damaged (byte 0x{bytes[damaged]:x2}); the rows on either side are read"));
                    return (record, new FileEntry(null, problem, bytes[end..(damaged + 1)], hit, true), line, damaged + 1);
                }
                catch (RecordFieldException)
                {
                    return null;
                }
            }

            crc.Append(bytes.AsSpan(hashed));
            crc.Append("\n"u8);
        }

        return null;
    }

    /// <summary>Whether the byte at <paramref name="damaged"/> follows a checksum cell (or the header's last cell), as a row's newline does.</summary>
    private static bool FollowsChecksumCell(byte[] row, int damaged)
    {
        var before = row.AsSpan(0, damaged);
        if (before.Length > 0 && before[^1] == '\r')
        {
            before = before[..^1];
        }

        return (before.Length > LineChecksum.HexLength && before[^(LineChecksum.HexLength + 1)] == ','
                && LineChecksum.TryParseHex(before[^LineChecksum.HexLength..], out _))
            || before.EndsWith(HeaderEndBytes);
    }

    /// <summary>Where a row that starts at <paramref name="start"/> ends: its first newline outside quotes, or the end of <paramref name="row"/>.</summary>
    private static int NaturalEnd(byte[] row, int start)
    {
        var scanner = new QuoteScanner();
        var position = start;
        while (true)
        {
            var newline = row.AsSpan(position).IndexOf((byte)'\n');
            if (newline < 0)
            {
                return row.Length;
            }

            if (!scanner.EndsInQuotes(row.AsSpan(position, newline)))
            {
                return position + newline;
            }

            position += newline + 1;
        }
    }

    /// <summary>Puts <c>lines[from..]</c> back to be read again as rows, the first of them next.</summary>
    private static void GiveBack(Stack<PhysicalLine> pending, PhysicalLine[] lines, int from)
    {
        for (var i = lines.Length - 1; i >= from; i--)
        {
            pending.Push(lines[i]);
        }
    }

    /// <summary>The cells of one row's text, or null when a quoted cell is left open.</summary>
    private static string?[]? ParseCells(string text)
    {
        using var reader = new StringReader(text + "\n");
        foreach (var row in new CsvReader(reader).ReadRows())
        {
            return row.Complete ? row.Cells : null;
        }

        return [null];
    }

    private static byte[] Join(PhysicalLine[] lines)
    {
        if (lines.Length == 1)
        {
            return Trim(lines[0].Bytes);
        }

        var joined = new ArrayBufferWriter<byte>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (i > 0)
            {
                joined.Write("\n"u8);
            }

            joined.Write(i == lines.Length - 1 ? Trim(lines[i].Bytes) : lines[i].Bytes);
        }

        return joined.WrittenSpan.ToArray();
    }

    private static byte[] Trim(byte[] line) => line.Length > 0 && line[^1] == '\r' ? line[..^1] : line;

    private static bool IsBlank(byte[] line) => line.Length == 0 || (line.Length == 1 && line[0] == '\r');

    private readonly record struct PhysicalLine(byte[] Bytes, long Number, bool Complete);

    private readonly record struct RowResult(FileEntry? Entry, bool HeaderSuspect);

    private sealed record Header(string Text, int[]? Map, int Columns, bool HasChecksumColumn, bool LedgerLayout, long Line, bool Damaged);

    /// <summary>Follows <see cref="CsvReader"/>'s quoting over raw bytes (all its special characters are ASCII) to find where a row ends.</summary>
    private sealed class QuoteScanner
    {
        private bool _inQuotes;
        private bool _cellStarted;

        public bool EndsInQuotes(ReadOnlySpan<byte> line)
        {
            for (var i = 0; i < line.Length; i++)
            {
                var b = line[i];
                if (_inQuotes)
                {
                    if (b == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            i++;
                        }
                        else
                        {
                            _inQuotes = false;
                        }
                    }
                }
                else if (b == '"' && !_cellStarted)
                {
                    _inQuotes = _cellStarted = true;
                }
                else if (b == ',')
                {
                    _cellStarted = false;
                }
                else if (b != '\r' || i != line.Length - 1)
                {
                    _cellStarted = true;
                }
            }

            return _inQuotes;
        }

        public void Reset() => _inQuotes = _cellStarted = false;
    }
}
