namespace TokenTrace.Tests;

public sealed class UsageRecordValidatorTests
{
    private static readonly UsageRecord Valid = new() { Id = "a", Timestamp = DateTimeOffset.UtcNow, Model = "gpt-4o", Tokens = new TokenCounts { Input = 1, Output = 2, Reasoning = 1 } };

    [Fact]
    public void A_valid_record_has_no_problems() => Assert.Empty(UsageRecordValidator.Validate(Valid));

    [Fact]
    public void Negative_counts_reasoning_above_output_and_a_missing_model_are_named()
    {
        var problems = UsageRecordValidator.Validate(Valid with { Model = " ", Tokens = new TokenCounts { Input = -1, Output = 1, Reasoning = 5 } });
        Assert.Contains(problems, p => p.StartsWith("input:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("reasoning:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("model:", StringComparison.Ordinal));
    }
}
