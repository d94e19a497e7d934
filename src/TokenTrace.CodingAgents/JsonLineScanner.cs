using System.Buffers;
using System.Text.Json;

namespace TokenTrace.CodingAgents;

/// <summary>
/// Reads the lines of an append-only JSONL file from a byte offset without decoding them, handing each complete line
/// to a callback as bytes. A last line without its newline is handed over only when it is a whole JSON value (the agent
/// finished writing it); otherwise it is left for the next read, and <see cref="AgentFileRead.EndOffset"/> stops before it.
/// </summary>
internal static class JsonLineScanner
{
    public delegate void LineHandler(ReadOnlySpan<byte> line, long lineNumber, long offset);

    private const int InitialBuffer = 1 << 20;

    public static void Scan(AgentFileRead read, LineHandler handler)
    {
        using var stream = new FileStream(read.Path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
            Options = FileOptions.SequentialScan,
        });
        if (read.StartOffset > stream.Length)
        {
            // The file is shorter than where we stopped: it was replaced. The caller's cursor decides what to do; here
            // there is nothing past the offset to read.
            return;
        }

        stream.Position = read.StartOffset;
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        try
        {
            var filled = 0;
            var consumed = read.StartOffset;
            var lineNumber = read.FirstLine;
            while (true)
            {
                if (filled == buffer.Length)
                {
                    // One line longer than the buffer (a large tool result): grow it.
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var got = stream.Read(buffer, filled, buffer.Length - filled);
                if (got == 0)
                {
                    break;
                }

                filled += got;
                var start = 0;
                while (true)
                {
                    var newline = buffer.AsSpan(start, filled - start).IndexOf((byte)'\n');
                    if (newline < 0)
                    {
                        break;
                    }

                    Handle(read, handler, buffer.AsSpan(start, newline), lineNumber++, consumed);
                    start += newline + 1;
                    consumed += newline + 1;
                }

                buffer.AsSpan(start, filled - start).CopyTo(buffer);
                filled -= start;
            }

            var tail = buffer.AsSpan(0, filled);
            if (!tail.Trim(" \t\r"u8).IsEmpty && IsWholeJson(tail))
            {
                Handle(read, handler, tail, lineNumber, consumed);
                consumed += filled;
            }

            read.EndOffset = consumed;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Handle(AgentFileRead read, LineHandler handler, ReadOnlySpan<byte> line, long lineNumber, long offset)
    {
        read.Lines++;
        var trimmed = line.Trim(" \t\r"u8);
        if (trimmed.IsEmpty)
        {
            read.Ignored++;
            return;
        }

        handler(trimmed, lineNumber, offset);
    }

    private static bool IsWholeJson(ReadOnlySpan<byte> text)
    {
        var reader = new Utf8JsonReader(text, isFinalBlock: true, state: default);
        try
        {
            return reader.Read() && reader.TrySkip() && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
