using Microsoft.ML.Tokenizers;

namespace TokenTrace.CodingAgents;

/// <summary>
/// Counts the tokens of a prompt with OpenAI's <c>o200k_base</c> encoding (Microsoft.ML.Tokenizers, data from the
/// Microsoft.ML.Tokenizers.Data.O200kBase package, no download). For agents that report no token counts, such as Kiro:
/// the count is exact for GPT-4o-family models and an estimate for every other model, whose tokenizer differs
/// (docs/methodology/kiro-estimate.md).
/// </summary>
public sealed class PromptTokenEstimator
{
    /// <summary>The encoding counted with, as records name it in their <c>estimate</c> tag.</summary>
    public const string EncodingName = "o200k_base";

    // Loading the encoding's 200,000 ranks is the expensive part; a hook process counts one prompt, a library many.
    private static readonly Lazy<PromptTokenEstimator> s_shared = new(() => new PromptTokenEstimator(TiktokenTokenizer.CreateForEncoding(EncodingName)));

    private readonly Tokenizer _tokenizer;

    private PromptTokenEstimator(Tokenizer tokenizer) => _tokenizer = tokenizer;

    /// <summary>The estimator, created on first use and shared.</summary>
    public static PromptTokenEstimator Shared => s_shared.Value;

    /// <summary>The number of tokens <paramref name="text"/> encodes to (0 for empty text), counted without copying it.</summary>
    public long Count(ReadOnlySpan<char> text) => text.IsEmpty ? 0 : _tokenizer.CountTokens(text);
}
