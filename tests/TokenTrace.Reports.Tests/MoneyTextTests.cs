using System.Globalization;
using CsCheck;

namespace TokenTrace.Reports.Tests;

public sealed class MoneyTextTests
{
    [Theory]
    [InlineData("1234.5", "$1,234.50")]
    [InlineData("1", "$1.00")]
    [InlineData("22.04", "$22.04")]
    [InlineData("0.42", "$0.42")]
    [InlineData("0.4237", "$0.42")]
    [InlineData("0.0502", "$0.05")]
    [InlineData("0.0042", "$0.0042")]
    [InlineData("0.000123456", "$0.00012")]
    [InlineData("0", "$0.00")]
    public void Amounts_show_cents_from_a_dollar_up_and_two_significant_digits_below_as_the_cli_does(string amount, string expected)
    {
        Assert.Equal(expected, MoneyText.Format(decimal.Parse(amount, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void An_amount_below_a_dollar_is_never_shown_as_zero_and_keeps_two_significant_digits()
    {
        Gen.Select(Gen.Int[1, 999_999], Gen.Int[6, 12]).Select((m, scale) => new decimal(m, 0, 0, false, (byte)scale)).Where(a => a < 1 && a >= 0.0000001m).Sample(amount =>
        {
            var text = MoneyText.Format(amount);
            var shown = decimal.Parse(text.TrimStart('$'), CultureInfo.InvariantCulture);
            Assert.True(shown > 0, $"{amount} shown as {text}");
            Assert.True(Math.Abs(shown - amount) <= amount * 0.05m, $"{amount} shown as {text}");
        });
    }

    [Fact]
    public void Unpriced_usage_is_unknown_not_zero_and_partly_priced_usage_is_a_lower_bound()
    {
        var unpriced = new UsageTotals();
        unpriced.Add(new UsageRecord { Id = "a", Timestamp = DateTimeOffset.UnixEpoch, Model = "mystery", Tokens = new TokenCounts { Input = 10 } });
        Assert.Equal("–", MoneyText.Of(unpriced));

        var mixed = new UsageTotals();
        mixed.Add(unpriced);
        mixed.Add(new UsageRecord { Id = "b", Timestamp = DateTimeOffset.UnixEpoch, Model = "m", CostUsd = 2.5m });
        Assert.Equal("≥ $2.50", MoneyText.Of(mixed));
        Assert.Equal("–", MoneyText.Change(unpriced, mixed));
    }
}
