namespace TokenTrace;

/// <summary>
/// Who sells a model at a price, from a provider name as catalogues and callers write it: LiteLLM's <c>gemini</c> and the
/// built-in <c>google</c> are the same seller (Google's Gemini API), <c>vertex_ai-language-models</c> is another (Vertex AI
/// prices some models differently). Layers merge an entry only into the same seller's entry of the same model.
/// </summary>
internal static class PriceSellers
{
    /// <summary>The seller key of <paramref name="provider"/>; null when the provider is not given.</summary>
    public static string? Key(string? provider)
    {
        if (string.IsNullOrWhiteSpace(provider))
        {
            return null;
        }

        var p = provider.Trim().ToLowerInvariant();
        return p switch
        {
            "google" or "gemini" or "google_ai_studio" => "google",
            _ when p.StartsWith("vertex", StringComparison.Ordinal) => "vertex",
            "aws" or "amazon" or "bedrock" => "bedrock",
            _ when p.StartsWith("bedrock", StringComparison.Ordinal) => "bedrock",
            _ when p.StartsWith("cohere", StringComparison.Ordinal) => "cohere",
            _ when p.StartsWith("azure", StringComparison.Ordinal) => "azure",
            _ when p.StartsWith("together", StringComparison.Ordinal) => "together",
            _ when p.StartsWith("fireworks", StringComparison.Ordinal) => "fireworks",
            "text-completion-openai" => "openai",
            "x-ai" or "x.ai" => "xai",
            _ => p,
        };
    }

    /// <summary>
    /// The seller a model name itself names, if any: a reseller's prefix (<c>openrouter/</c>, <c>bedrock/</c>,
    /// <c>vertex_ai/</c>, <c>azure/</c>) or a Bedrock model id (<c>anthropic.claude-…-v1:0</c>, with or without a
    /// regional <c>us.</c>/<c>eu.</c>/… prefix).
    /// </summary>
    public static string? FromModelName(string model)
    {
        var slash = model.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && Key(model[..slash]) is { } prefix && prefix is "openrouter" or "bedrock" or "vertex" or "azure")
        {
            return prefix;
        }

        return model.Contains("anthropic.", StringComparison.Ordinal) || model.Contains("amazon.", StringComparison.Ordinal) || model.Contains("meta.llama", StringComparison.Ordinal)
            ? "bedrock"
            : null;
    }

    /// <summary>Whether two providers sell at the same price list; an unstated provider matches any.</summary>
    public static bool Same(string? a, string? b) => Key(a) is not { } x || Key(b) is not { } y || x == y;
}
