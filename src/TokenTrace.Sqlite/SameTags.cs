namespace TokenTrace.Sqlite;

/// <summary>
/// Compares small tag sets by their pairs, ordinally and in any order (not through the dictionaries' own comparers,
/// which may ignore case), so that equal tags of different records share one key.
/// </summary>
internal sealed class SameTags : IEqualityComparer<IReadOnlyDictionary<string, string>>
{
    /// <summary>Tag sets larger than this are compared pair by pair against each other, so callers should not use them as keys.</summary>
    public const int MaxCount = 8;

    public static SameTags Instance { get; } = new();

    public bool Equals(IReadOnlyDictionary<string, string>? x, IReadOnlyDictionary<string, string>? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        if (x is null || y is null || x.Count != y.Count)
        {
            return false;
        }

        // The keys of either set are distinct (ordinally too), so with equal counts every pair of x found in y means
        // the same pairs. The JSON reader hands out Dictionary instances: enumerated as such, through their struct
        // enumerators, comparing allocates nothing (through the interface, three or four enumerators a record).
        if (x is Dictionary<string, string> dx && y is Dictionary<string, string> dy)
        {
            foreach (var pair in dx)
            {
                if (!Contains(dy, pair))
                {
                    return false;
                }
            }

            return true;
        }

        foreach (var pair in x)
        {
            if (!Contains(y, pair))
            {
                return false;
            }
        }

        return true;
    }

    public int GetHashCode(IReadOnlyDictionary<string, string> obj)
    {
        // Order-independent: the same pairs enumerated in another order hash alike.
        var hash = obj.Count;
        if (obj is Dictionary<string, string> dictionary)
        {
            foreach (var (key, value) in dictionary)
            {
                hash += Hash(key, value);
            }

            return hash;
        }

        foreach (var (key, value) in obj)
        {
            hash += Hash(key, value);
        }

        return hash;
    }

    private static int Hash(string key, string value) =>
        HashCode.Combine(StringComparer.Ordinal.GetHashCode(key), StringComparer.Ordinal.GetHashCode(value));

    private static bool Contains(Dictionary<string, string> tags, KeyValuePair<string, string> pair)
    {
        foreach (var (key, value) in tags)
        {
            if (string.Equals(key, pair.Key, StringComparison.Ordinal))
            {
                return string.Equals(value, pair.Value, StringComparison.Ordinal);
            }
        }

        return false;
    }

    private static bool Contains(IReadOnlyDictionary<string, string> tags, KeyValuePair<string, string> pair)
    {
        foreach (var (key, value) in tags)
        {
            if (string.Equals(key, pair.Key, StringComparison.Ordinal))
            {
                return string.Equals(value, pair.Value, StringComparison.Ordinal);
            }
        }

        return false;
    }
}
