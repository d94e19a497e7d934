namespace TokenTrace.Cli.Tests.Output;

public sealed class MoneyTests
{
    [Theory]
    [InlineData("0", "$0.00")]
    [InlineData("1", "$1.00")]
    [InlineData("12.845", "$12.85")]
    [InlineData("1234.5", "$1,234.50")]
    [InlineData("0.999", "$1.00")]
    [InlineData("0.25", "$0.25")]
    [InlineData("0.05", "$0.05")]
    [InlineData("0.0042", "$0.0042")]
    [InlineData("0.00421", "$0.0042")]
    [InlineData("0.0075", "$0.0075")]
    [InlineData("0.000000001", "<$0.00000001")]
    [InlineData("-2.5", "-$2.50")]
    public void Amounts_show_cents_from_a_dollar_and_two_significant_digits_below(string amount, string expected) =>
        Assert.Equal(expected, Money.Format(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void An_unknown_amount_is_a_dash_never_zero() => Assert.Equal("–", Money.Format(null));

    [Theory]
    [InlineData(0, "0")]
    [InlineData(9_999, "9,999")]
    [InlineData(12_345, "12.3k")]
    [InlineData(999_499, "999k")]
    [InlineData(999_500, "1M")]
    [InlineData(1_180_000, "1.2M")]
    [InlineData(123_456_789, "123M")]
    [InlineData(4_600_000_000, "4.6B")]
    public void Compact_counts_fit_five_characters(long value, string expected) => Assert.Equal(expected, TabularOutput.CompactCount(value));
}
