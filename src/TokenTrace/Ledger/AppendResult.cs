namespace TokenTrace;

/// <summary>What an append stored.</summary>
/// <param name="Added">Records stored now.</param>
/// <param name="Duplicates">Records whose id was already stored, left unchanged.</param>
public readonly record struct AppendResult(int Added, int Duplicates)
{
    /// <summary>
    /// The ids of the <see cref="Duplicates"/> that were stored before this append (not a repeat inside it), when the
    /// ledger says which (SQLite and the file ledgers do; empty when every duplicate was a repeat inside the batch); null
    /// when it does not, or when there are no duplicates. Observers of stored records (<see cref="SinkingUsageLedger"/>) use it to pass on
    /// only what was stored now. Not part of equality: two results are equal when their counts are.
    /// </summary>
    public IReadOnlySet<string>? DuplicateIds { get; init; }

    /// <summary>Adds two results (the duplicate ids are known when each side's are, or it has none).</summary>
    public static AppendResult operator +(AppendResult left, AppendResult right) =>
        new(left.Added + right.Added, left.Duplicates + right.Duplicates) { DuplicateIds = Union(left, right) };

    /// <summary>Adds two results.</summary>
    public static AppendResult Add(AppendResult left, AppendResult right) => left + right;

    /// <summary>Whether <paramref name="other"/> has the same counts.</summary>
    public bool Equals(AppendResult other) => Added == other.Added && Duplicates == other.Duplicates;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Added, Duplicates);

    /// <summary>Whether the record with <paramref name="id"/> is known to have been stored by an earlier append.</summary>
    public bool IsKnownDuplicate(string id) => Duplicates > 0 && DuplicateIds is { } ids && ids.Contains(id);

    /// <summary>
    /// Whether the ledger said which records were duplicates: true when there are none, or their ids are given. When
    /// false, an observer cannot tell a record stored now from one stored before.
    /// </summary>
    public bool KnowsDuplicates => Duplicates == 0 || DuplicateIds is not null;

    private static HashSet<string>? Union(AppendResult left, AppendResult right)
    {
        if (!left.KnowsDuplicates || !right.KnowsDuplicates || left.Duplicates + right.Duplicates == 0)
        {
            return null;
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        ids.UnionWith(left.DuplicateIds ?? (IEnumerable<string>)[]);
        ids.UnionWith(right.DuplicateIds ?? (IEnumerable<string>)[]);
        return ids;
    }
}
