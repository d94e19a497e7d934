namespace TokenTrace;

/// <summary>What an append stored.</summary>
/// <param name="Added">Records stored now.</param>
/// <param name="Duplicates">Records whose id was already stored, left unchanged.</param>
public readonly record struct AppendResult(int Added, int Duplicates)
{
    /// <summary>Adds two results.</summary>
    public static AppendResult operator +(AppendResult left, AppendResult right) =>
        new(left.Added + right.Added, left.Duplicates + right.Duplicates);

    /// <summary>Adds two results.</summary>
    public static AppendResult Add(AppendResult left, AppendResult right) => left + right;
}
