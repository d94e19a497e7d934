namespace TokenTrace.OpenTelemetry.Tests;

/// <summary>A catalogue with one model at round rates, so costs can be worked out by hand.</summary>
internal static class TestPrices
{
    public const string Model = "test-model";

    /// <summary>$1 per million input, $4 output, $0.10 cache read, $1.25 cache write.</summary>
    public static PriceCatalog Catalog() =>
        PriceCatalog.CreateBuilder(includeBuiltIn: false).AddLayer("test",
        [
            new ModelPrice
            {
                Name = Model,
                Provider = "openai",
                Rates = new TokenRates { Input = 0.000001m, Output = 0.000004m, CacheRead = 0.0000001m, CacheWrite = 0.00000125m },
            },
        ]).Build();
}
