namespace TokenTrace;

/// <summary>
/// A stored field could not be read (<see cref="UsageRecordFields"/>); ledgers turn it into a <see cref="LedgerProblem"/>
/// naming their file, the line or row, and <see cref="Field"/>.
/// </summary>
public sealed class RecordFieldException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public RecordFieldException()
        : this("", "a stored field could not be read")
    {
    }

    /// <summary>Creates the exception.</summary>
    public RecordFieldException(string message)
        : this("", message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RecordFieldException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "";
    }

    /// <summary>Creates the exception for <paramref name="field"/>.</summary>
    /// <param name="field">The field's name as in an export (<c>input</c>, <c>latencyMs</c>…).</param>
    /// <param name="message">What is wrong with its value.</param>
    public RecordFieldException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    /// <summary>The field's name as in an export (<c>input</c>, <c>latencyMs</c>…); empty when not known.</summary>
    public string Field { get; }
}
