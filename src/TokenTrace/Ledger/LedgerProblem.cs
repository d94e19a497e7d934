using System.Globalization;

namespace TokenTrace;

/// <summary>Something wrong in a ledger's storage: a torn or malformed line, a corrupt file.</summary>
/// <param name="File">The file concerned.</param>
/// <param name="Line">The 1-based line, or 0 when the problem is with the whole file.</param>
/// <param name="Field">The field concerned, when one is.</param>
/// <param name="Message">What is wrong.</param>
public sealed record LedgerProblem(string File, long Line, string? Field, string Message)
{
    /// <inheritdoc/>
    public override string ToString() =>
        (Line > 0 ? string.Create(CultureInfo.InvariantCulture, $"{File}:{Line}: ") : $"{File}: ") + (Field is null ? Message : $"field '{Field}': {Message}");
}
