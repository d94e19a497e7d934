using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace TokenTrace;

/// <summary>
/// Reads a gzip archive and checks it as it goes: a decompression error ends the stream instead of throwing, and at the
/// end the CRC-32 and length of what came out must match the archive's trailer, which catches a truncated archive
/// (.NET's <see cref="GZipStream"/> ends quietly there). <see cref="Failure"/> says what was wrong. TokenTrace writes its
/// archives as one gzip member; a file of several concatenated members does not match its last trailer and is reported.
/// </summary>
internal sealed class GzipArchiveStream : Stream
{
    private const int TrailerLength = 8;
    private const int SmallestGzip = 18; // 10-byte header, an empty deflate block, the trailer
    private readonly FileStream _file;
    private readonly DeflateStream? _gzip;
    private readonly Crc32 _crc = new();
    private readonly uint _expectedCrc;
    private readonly uint _expectedLength;
    private uint _length;
    private bool _done;

    public GzipArchiveStream(FileStream file)
    {
        _file = file;
        if (file.Length < SmallestGzip)
        {
            Failure = "too short to be a gzip archive";
            _done = true;
            return;
        }

        Span<byte> trailer = stackalloc byte[TrailerLength];
        file.Seek(-TrailerLength, SeekOrigin.End);
        file.ReadExactly(trailer);
        file.Seek(0, SeekOrigin.Begin);
        _expectedCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        _expectedLength = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        if (SkipHeader(file) is { } problem)
        {
            Failure = problem;
            _done = true;
            return;
        }

        // The deflate data on its own: GZipStream checks the trailer inside the same read that decodes the last
        // block and then throws that block away, so a damaged trailer would cost the whole archive.
        _gzip = new DeflateStream(file, CompressionMode.Decompress, leaveOpen: true);
    }

    /// <summary>Reads past the gzip header (RFC 1952: fixed part, optional extra field, name, comment, header CRC).</summary>
    private static string? SkipHeader(FileStream file)
    {
        Span<byte> fixedPart = stackalloc byte[10];
        file.ReadExactly(fixedPart);
        if (fixedPart[0] != 0x1F || fixedPart[1] != 0x8B || fixedPart[2] != 8 || (fixedPart[3] & 0xE0) != 0)
        {
            return "not a gzip archive (bad header)";
        }

        var flags = fixedPart[3];
        if ((flags & 0x04) != 0)
        {
            Span<byte> length = stackalloc byte[2];
            file.ReadExactly(length);
            file.Seek(BinaryPrimitives.ReadUInt16LittleEndian(length), SeekOrigin.Current);
        }

        for (var zeroTerminated = 0; zeroTerminated < 2; zeroTerminated++)
        {
            if ((flags & (zeroTerminated == 0 ? 0x08 : 0x10)) != 0)
            {
                int b;
                while ((b = file.ReadByte()) > 0)
                {
                }

                if (b < 0)
                {
                    return "not a gzip archive (bad header)";
                }
            }
        }

        if ((flags & 0x02) != 0)
        {
            file.Seek(2, SeekOrigin.Current);
        }

        return file.Position < file.Length - TrailerLength ? null : "not a gzip archive (bad header)";
    }

    /// <summary>What was wrong with the archive, or null while it reads (and once it has read) cleanly.</summary>
    public string? Failure { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_done || buffer.IsEmpty)
        {
            return 0;
        }

        int read;
        try
        {
            read = _gzip!.Read(buffer);
        }
        catch (InvalidDataException ex)
        {
            Failure = ex.Message;
            _done = true;
            return 0;
        }

        if (read == 0)
        {
            _done = true;
            if (_crc.GetCurrentHashAsUInt32() != _expectedCrc || _length != _expectedLength)
            {
                Failure = "its content does not match its gzip trailer (truncated or corrupt)";
            }

            return 0;
        }

        _crc.Append(buffer[..read]);
        _length = unchecked(_length + (uint)read);
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gzip?.Dispose();
            _file.Dispose();
        }

        base.Dispose(disposing);
    }
}
