namespace TokenTrace;

/// <summary>
/// A ledger opened with <see cref="LedgerOpenContext.OpenExistingOnly"/> does not exist. Readers get this instead of a
/// new empty ledger, so a mistyped path is an error rather than a silent report of zeros.
/// </summary>
public sealed class LedgerNotFoundException : Exception
{
    /// <summary>Creates the exception for <paramref name="spec"/>, whose store would be at <paramref name="location"/>.</summary>
    public LedgerNotFoundException(string spec, string location)
        : base($"ledger '{spec}': {location} does not exist")
    {
        Spec = spec;
        Location = location;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public LedgerNotFoundException()
        : this("", "")
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    public LedgerNotFoundException(string message)
        : base(message)
    {
        Spec = "";
        Location = "";
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public LedgerNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
        Spec = "";
        Location = "";
    }

    /// <summary>The spec that was opened, such as <c>jsonl:/var/usage</c>.</summary>
    public string Spec { get; }

    /// <summary>The file or folder that was expected.</summary>
    public string Location { get; }
}
