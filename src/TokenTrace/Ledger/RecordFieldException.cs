namespace TokenTrace;

/// <summary>A stored field could not be read; the file ledgers turn it into a <see cref="LedgerProblem"/> with the file and line.</summary>
internal sealed class RecordFieldException(string field, string message) : FormatException(message)
{
    public string Field { get; } = field;
}
