namespace TokenTrace;

/// <summary>Well-known values of <see cref="UsageRecord.Operation"/>.</summary>
public static class UsageOperations
{
    /// <summary>A chat or text completion.</summary>
    public const string Chat = "chat";

    /// <summary>An embeddings request.</summary>
    public const string Embeddings = "embeddings";

    /// <summary>An image generation request.</summary>
    public const string Image = "image";
}
