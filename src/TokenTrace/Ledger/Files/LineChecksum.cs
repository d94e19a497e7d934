using System.IO.Hashing;

namespace TokenTrace;

/// <summary>
/// The per-line checksum of the JSONL and CSV ledger files: CRC-32 (IEEE, as in gzip and zip) of the line's bytes
/// that precede the checksum, written as 8 lowercase hex digits. It catches a changed byte that would otherwise still
/// read as a valid record with a different value.
/// </summary>
internal static class LineChecksum
{
    /// <summary>The length of the checksum's text.</summary>
    public const int HexLength = 8;

    public static uint Compute(ReadOnlySpan<byte> covered) => Crc32.HashToUInt32(covered);

    /// <summary>Writes <paramref name="value"/> as 8 lowercase hex digits.</summary>
    public static void WriteHex(uint value, Span<byte> destination)
    {
        var digits = "0123456789abcdef"u8;
        for (var i = HexLength - 1; i >= 0; i--)
        {
            destination[i] = digits[(int)(value & 0xF)];
            value >>= 4;
        }
    }

    /// <summary>Reads 8 hex digits (either case).</summary>
    public static bool TryParseHex(ReadOnlySpan<byte> text, out uint value)
    {
        value = 0;
        if (text.Length != HexLength)
        {
            return false;
        }

        foreach (var c in text)
        {
            uint digit = c switch
            {
                >= (byte)'0' and <= (byte)'9' => (uint)(c - '0'),
                >= (byte)'a' and <= (byte)'f' => (uint)(c - 'a' + 10),
                >= (byte)'A' and <= (byte)'F' => (uint)(c - 'A' + 10),
                _ => uint.MaxValue,
            };
            if (digit == uint.MaxValue)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }

    /// <summary>Whether <paramref name="text"/> is 8 hex digits.</summary>
    public static bool IsHex(ReadOnlySpan<char> text)
    {
        if (text.Length != HexLength)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
