namespace TokenTrace.Client;

/// <summary>
/// A push stopped: the server refused a batch, or could not be reached after every retry. The batches acknowledged before
/// it stay acknowledged (the cursor is past them); the next push starts at the refused one.
/// </summary>
public sealed class UsagePushException : Exception
{
    /// <summary>A push failure.</summary>
    public UsagePushException()
    {
    }

    /// <summary>A push failure with <paramref name="message"/>.</summary>
    public UsagePushException(string message)
        : base(message)
    {
    }

    /// <summary>A push failure with <paramref name="message"/> and its cause.</summary>
    public UsagePushException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>A push failure after <paramref name="sent"/> records were acknowledged.</summary>
    public UsagePushException(string message, long sent, int? status, Exception? innerException = null)
        : base(message, innerException)
    {
        Sent = sent;
        Status = status;
    }

    /// <summary>Records acknowledged before the failure.</summary>
    public long Sent { get; }

    /// <summary>The HTTP status the server answered with, or null when it could not be reached.</summary>
    public int? Status { get; }
}
