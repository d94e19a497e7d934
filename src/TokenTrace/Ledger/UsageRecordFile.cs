using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace TokenTrace;

/// <summary>
/// Reads an export file (JSON lines or CSV, optionally gzipped) as a stream, one record at a time, at flat memory. A
/// line that is not a record (invalid JSON or UTF-8, a field given twice, a count over its bound) is an entry with a
/// problem naming the file, line and field; a file that cannot be read on (not gzip, a corrupt or truncated archive, a
/// likely gzip bomb, a line longer than <see cref="MaxLineBytes"/>, a CSV header naming a column twice) throws
/// <see cref="LedgerFormatException"/> naming the file and line.
/// </summary>
public static class UsageRecordFile
{
    /// <summary>The longest line read, in bytes; a record is well under a kilobyte.</summary>
    public const int MaxLineBytes = 1024 * 1024;

    /// <summary>How many times its own size a <c>.gz</c> file may expand to (beyond <see cref="MinDecompressedLimit"/>).</summary>
    public const int MaxCompressionRatio = 100;

    /// <summary>What any <c>.gz</c> file may expand to whatever its size, in bytes (64 MiB).</summary>
    public const long MinDecompressedLimit = 64L * 1024 * 1024;

    /// <summary>Reads all of <paramref name="path"/> into memory; prefer <see cref="ReadEntries"/> for large files.</summary>
    public static (IReadOnlyList<UsageRecord> Records, IReadOnlyList<LedgerProblem> Problems) Read(string path)
    {
        var records = new List<UsageRecord>();
        var problems = new List<LedgerProblem>();
        foreach (var (record, problem) in ReadEntries(path))
        {
            if (record is not null)
            {
                records.Add(record);
            }
            else if (problem is not null)
            {
                problems.Add(problem);
            }
        }

        return (records, problems);
    }

    /// <summary>
    /// Streams <paramref name="path"/>: each entry is a valid record or the problem of one line. The format follows the
    /// extension (<c>.csv</c>, else JSON lines; <c>.gz</c> is decompressed as it is read).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="bytesRead">Told how many bytes of the file (compressed, for <c>.gz</c>) have been read so far.</param>
    /// <exception cref="LedgerFormatException">The file cannot be read on; the message names the file and line.</exception>
    public static IEnumerable<(UsageRecord? Record, LedgerProblem? Problem)> ReadEntries(string path, IProgress<long>? bytesRead = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var compressed = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        var name = compressed ? path[..^3] : path;
        var csv = name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        return Entries(path, compressed, csv, bytesRead);
    }

    private static IEnumerable<(UsageRecord?, LedgerProblem?)> Entries(string path, bool compressed, bool csv, IProgress<long>? bytesRead)
    {
        using var raw = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024);
        var limit = compressed ? Math.Max(MinDecompressedLimit, checked(raw.Length * MaxCompressionRatio)) : long.MaxValue;
        using var guard = new GuardStream(compressed ? new GZipStream(raw, CompressionMode.Decompress, leaveOpen: true) : raw, raw, path, limit, bytesRead) { CheckUtf8 = csv };
        var entries = csv ? CsvEntries(guard, path) : JsonEntries(guard, path);
        foreach (var entry in entries)
        {
            yield return entry;
        }

        if (compressed)
        {
            guard.CheckGzipTrailer();
        }
    }

    private static IEnumerable<(UsageRecord?, LedgerProblem?)> JsonEntries(GuardStream stream, string path)
    {
        var buffer = new byte[64 * 1024];
        var line = new byte[4096];
        var length = 0;
        long number = 0;
        var fast = new UsageRecordJsonReader();
        int read;
        while (true)
        {
            read = stream.Read(buffer, 0, buffer.Length);
            var start = 0;
            while (start < read)
            {
                var newline = Array.IndexOf(buffer, (byte)'\n', start, read - start);
                var end = newline < 0 ? read : newline;
                var size = end - start;
                if (length + size > MaxLineBytes)
                {
                    throw new LedgerFormatException(new LedgerProblem(path, number + 1, null, string.Create(CultureInfo.InvariantCulture, $"a line longer than {MaxLineBytes} bytes; not an export of usage records")));
                }

                if (length + size > line.Length)
                {
                    Array.Resize(ref line, Math.Min(MaxLineBytes, Math.Max(line.Length * 2, length + size)));
                }

                Buffer.BlockCopy(buffer, start, line, length, size);
                length += size;
                if (newline < 0)
                {
                    break;
                }

                number++;
                if (Line(line.AsSpan(0, length), path, number, fast) is { } entry)
                {
                    yield return entry;
                }

                length = 0;
                start = newline + 1;
            }

            if (read == 0)
            {
                break;
            }
        }

        if (length > 0)
        {
            number++;
            if (Line(line.AsSpan(0, length), path, number, fast) is { } last)
            {
                yield return last;
            }
        }
    }

    private static (UsageRecord?, LedgerProblem?)? Line(ReadOnlySpan<byte> line, string path, long number, UsageRecordJsonReader fast)
    {
        if (line.Length > 0 && line[^1] == '\r')
        {
            line = line[..^1];
        }

        if (line.IsEmpty || line.Trim(" \t"u8).IsEmpty)
        {
            return null;
        }

        if (!System.Text.Unicode.Utf8.IsValid(line))
        {
            return (null, new LedgerProblem(path, number, null, "not valid UTF-8"));
        }

        try
        {
            // The fast reader takes the lines writers produce; anything else (and every error) is the full parser's.
            return Checked(fast.TryParse(line) ?? UsageRecordJson.Parse(line), path, number);
        }
        catch (RecordFieldException ex)
        {
            return (null, new LedgerProblem(path, number, ex.Field == "(line)" ? null : ex.Field, ex.Message));
        }
    }

    private static (UsageRecord?, LedgerProblem?) Checked(UsageRecord record, string path, long number)
    {
        var invalid = UsageRecordValidator.Validate(record);
        return invalid.Count == 0 ? (record, null) : (null, new LedgerProblem(path, number, null, string.Join("; ", invalid)));
    }

    private static IEnumerable<(UsageRecord?, LedgerProblem?)> CsvEntries(GuardStream stream, string path)
    {
        using var text = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true, 64 * 1024, leaveOpen: true);
        int[]? map = null;
        using var rows = new CsvReader(text).ReadRows().GetEnumerator();
        while (true)
        {
            try
            {
                if (!rows.MoveNext())
                {
                    break;
                }
            }
            catch (DecoderFallbackException)
            {
                throw new LedgerFormatException(new LedgerProblem(path, stream.Line, null, "not valid UTF-8"));
            }

            var row = rows.Current;
            if (map is null)
            {
                try
                {
                    map = UsageRecordCsv.MapHeader(row.Cells);
                }
                catch (RecordFieldException ex)
                {
                    throw new LedgerFormatException(new LedgerProblem(path, row.Line, ex.Field, ex.Message));
                }

                continue;
            }

            if (row.Cells is [null])
            {
                continue; // blank line
            }

            if (!row.Complete)
            {
                yield return (null, new LedgerProblem(path, row.Line, null, "the last row is cut off (no closing quote or newline)"));
                yield break;
            }

            if (row.Cells.Length != map.Length)
            {
                yield return (null, new LedgerProblem(path, row.Line, null, string.Create(CultureInfo.InvariantCulture, $"row has {row.Cells.Length} cells, the header has {map.Length}")));
                continue;
            }

            (UsageRecord?, LedgerProblem?) entry;
            try
            {
                entry = Checked(UsageRecordCsv.FromCells(row.Cells, map), path, row.Line);
            }
            catch (RecordFieldException ex)
            {
                entry = (null, new LedgerProblem(path, row.Line, ex.Field, ex.Message));
            }

            yield return entry;
        }
    }

    /// <summary>
    /// Reads the (decompressed) bytes: counts them against the gzip-bomb limit, counts lines for messages, refuses a
    /// physical line over <see cref="MaxLineBytes"/>, and turns decompression failures into <see cref="LedgerFormatException"/>.
    /// </summary>
    private sealed class GuardStream(Stream inner, FileStream raw, string path, long limit, IProgress<long>? progress) : Stream
    {
        private long _total;
        private long _sinceNewline;
        private long _reported;
        private byte[] _line = [];
        private int _lineLength;

        public long Line { get; private set; } = 1;

        /// <summary>Whether each physical line must be valid UTF-8 (CSV; JSON lines are checked one by one and skippable).</summary>
        public bool CheckUtf8 { get; init; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _total; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int read;
            try
            {
                read = inner.Read(buffer);
            }
            catch (InvalidDataException ex)
            {
                throw new LedgerFormatException(new LedgerProblem(path, Line, null, $"not a readable gzip file ({ex.Message.TrimEnd('.')}); nothing after this point can be read"), ex);
            }

            _total += read;
            if (_total > limit)
            {
                throw new LedgerFormatException(new LedgerProblem(path, Line, null, string.Create(CultureInfo.InvariantCulture,
                    $"expands to more than {limit / (1024 * 1024)} MB ({MaxCompressionRatio} times its size, or at least {MinDecompressedLimit / (1024 * 1024)} MB); refused as a likely gzip bomb — decompress it yourself and import the result")));
            }

            var span = buffer[..read];
            int newline;
            while ((newline = span.IndexOf((byte)'\n')) >= 0)
            {
                if (_sinceNewline + newline > MaxLineBytes)
                {
                    throw TooLong();
                }

                if (CheckUtf8)
                {
                    Keep(span[..newline]);
                    if (!System.Text.Unicode.Utf8.IsValid(_line.AsSpan(0, _lineLength)))
                    {
                        throw new LedgerFormatException(new LedgerProblem(path, Line, null, "not valid UTF-8"));
                    }

                    _lineLength = 0;
                }

                Line++;
                _sinceNewline = 0;
                span = span[(newline + 1)..];
            }

            _sinceNewline += span.Length;
            if (_sinceNewline > MaxLineBytes)
            {
                throw TooLong();
            }

            if (CheckUtf8)
            {
                Keep(span);
                if (read == 0 && _lineLength > 0 && !System.Text.Unicode.Utf8.IsValid(_line.AsSpan(0, _lineLength)))
                {
                    throw new LedgerFormatException(new LedgerProblem(path, Line, null, "not valid UTF-8"));
                }
            }

            if (progress is not null && raw.Position - _reported >= 1024 * 1024)
            {
                _reported = raw.Position;
                progress.Report(_reported);
            }

            return read;
        }

        private void Keep(ReadOnlySpan<byte> bytes)
        {
            if (_lineLength + bytes.Length > _line.Length)
            {
                Array.Resize(ref _line, Math.Max(4096, Math.Max(_line.Length * 2, _lineLength + bytes.Length)));
            }

            bytes.CopyTo(_line.AsSpan(_lineLength));
            _lineLength += bytes.Length;
        }

        /// <summary>After the last byte: a gzip file must end with its trailer, whose size field matches what was read.</summary>
        public void CheckGzipTrailer()
        {
            if (raw.Length < 18)
            {
                throw new LedgerFormatException(new LedgerProblem(path, 0, null, "too short to be a gzip file"));
            }

            // ISIZE, the last four bytes: the uncompressed size modulo 2^32 (of the last member, for a multi-member file).
            Span<byte> trailer = stackalloc byte[4];
            raw.Seek(-4, SeekOrigin.End);
            raw.ReadExactly(trailer);
            var size = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(trailer);
            if (size != (uint)_total)
            {
                throw new LedgerFormatException(new LedgerProblem(path, Line, null, string.Create(CultureInfo.InvariantCulture,
                    $"a corrupt or truncated gzip file: its trailer gives {size} bytes, {_total} could be read")));
            }
        }

        private LedgerFormatException TooLong() =>
            new(new LedgerProblem(path, Line, null, string.Create(CultureInfo.InvariantCulture, $"a line longer than {MaxLineBytes} bytes; not an export of usage records")));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !ReferenceEquals(inner, raw))
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
