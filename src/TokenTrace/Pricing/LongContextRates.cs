namespace TokenTrace;

/// <summary>
/// Rates that replace the standard ones for the whole request once its prompt exceeds <see cref="AboveTokens"/>
/// (Anthropic's and Google's "over 200k tokens" pricing). Rates left null keep the standard value.
/// </summary>
/// <param name="AboveTokens">The prompt size (all input tokens, cached or not) that must be exceeded.</param>
/// <param name="Rates">The replacement rates.</param>
public sealed record LongContextRates(long AboveTokens, TokenRates Rates);
