using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace TokenTrace;

/// <summary>
/// A summary row's key: its value per dimension, by dimension name, over the builder's own arrays (the names shared by
/// every row, the values the group was added with). A <see cref="Dictionary{TKey, TValue}"/> per row was ≈ 200 bytes
/// and three objects that lived as long as the summary: 50 MB for 250,000 sessions, most of a summary's garbage
/// collection.
/// </summary>
/// <remarks>
/// Also an <see cref="IReadOnlyList{T}"/> of the pairs in dimension order, so that a writer can walk a row's key by index
/// without an enumerator object per row. Names are distinct (the builder uses a dictionary when they are not).
/// </remarks>
internal sealed class SummaryKey(string[] names, string?[] values) : IReadOnlyDictionary<string, string?>, IReadOnlyList<KeyValuePair<string, string?>>
{
    public int Count => names.Length;

    public IEnumerable<string> Keys => names;

    public IEnumerable<string?> Values => values;

    public KeyValuePair<string, string?> this[int index] => new(names[index], values[index]);

    public string? this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"The key '{key}' is not a dimension of this summary.");

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string? value)
    {
        var index = IndexOf(key);
        value = index >= 0 ? values[index] : null;
        return index >= 0;
    }

    public IEnumerator<KeyValuePair<string, string?>> GetEnumerator()
    {
        for (var i = 0; i < names.Length; i++)
        {
            yield return new(names[i], values[i]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        for (var i = 0; i < names.Length; i++)
        {
            if (string.Equals(names[i], key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
