using System.IO.Hashing;
using System.Text;

namespace TokenTrace;

/// <summary>
/// Hands out one string per distinct UTF-8 value, looked up by its bytes: the few hundred project, job, model and
/// agent names repeated over millions of records are decoded and allocated once, not once per record. Bounded: values
/// longer than <see cref="MaxValueBytes"/> are not kept, and a full table starts over, so memory stays flat on input
/// with unbounded distinct values (session ids).
/// </summary>
internal sealed class Utf8StringInterner
{
    /// <summary>Values longer than this (in bytes) are decoded every time.</summary>
    public const int MaxValueBytes = 256;

    private const int Capacity = 1 << 14;
    private const int MaxCount = Capacity / 2;

    private readonly byte[]?[] _keys = new byte[]?[Capacity];
    private readonly string?[] _values = new string?[Capacity];
    private int _count;

    /// <summary>The string whose UTF-8 encoding is <paramref name="utf8"/> (which must be valid UTF-8).</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxValueBytes)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        var slot = (int)(XxHash3.HashToUInt64(utf8) & (Capacity - 1));
        while (_keys[slot] is { } key)
        {
            if (utf8.SequenceEqual(key))
            {
                return _values[slot]!;
            }

            slot = (slot + 1) & (Capacity - 1);
        }

        var value = Encoding.UTF8.GetString(utf8);
        if (_count == MaxCount)
        {
            // Start over rather than grow: the values still in use come back within a few records.
            Array.Clear(_keys);
            Array.Clear(_values);
            _count = 0;
            slot = (int)(XxHash3.HashToUInt64(utf8) & (Capacity - 1));
        }

        _keys[slot] = utf8.ToArray();
        _values[slot] = value;
        _count++;
        return value;
    }
}
