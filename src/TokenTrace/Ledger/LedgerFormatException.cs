namespace TokenTrace;

/// <summary>A ledger or import file could not be read; <see cref="Problem"/> names the file, line and field.</summary>
public sealed class LedgerFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LedgerFormatException()
        : this(new LedgerProblem("", 0, null, "malformed ledger data"))
    {
    }

    /// <summary>Creates the exception.</summary>
    public LedgerFormatException(string message)
        : this(new LedgerProblem("", 0, null, message))
    {
    }

    /// <summary>Creates the exception.</summary>
    public LedgerFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problem = new LedgerProblem("", 0, null, message);
    }

    /// <summary>Creates the exception for <paramref name="problem"/>.</summary>
    public LedgerFormatException(LedgerProblem problem, Exception? innerException = null)
        : base(problem?.ToString(), innerException)
    {
        Problem = problem ?? throw new ArgumentNullException(nameof(problem));
    }

    /// <summary>What is wrong, and where.</summary>
    public LedgerProblem Problem { get; }
}
