namespace TokenTrace;

/// <summary>A provider's usage payload could not be turned into token counts; <see cref="Field"/> says where.</summary>
public sealed class UsageFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public UsageFormatException()
        : this("usage", "the payload is malformed")
    {
    }

    /// <summary>Creates the exception.</summary>
    public UsageFormatException(string message)
        : this("usage", message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public UsageFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "usage";
    }

    /// <summary>Creates the exception for a named field.</summary>
    public UsageFormatException(string field, string problem)
        : base($"{field}: {problem}")
    {
        Field = field;
    }

    /// <summary>The JSON path of the offending field.</summary>
    public string Field { get; }
}
