using TokenTrace.Tests;

namespace TokenTrace.ThirdParty.Tests;

/// <summary>The third party's store, opened through the registry with its own scheme, passes the built-in ledgers' contract.</summary>
public sealed class TsvLedgerContractTests : UsageLedgerContract
{
    private static readonly UsageLedgerFactory Registry = new UsageLedgerFactory()
        .Register("tsv", static (spec, _) => new TsvUsageLedger(spec.Location))
        .RegisterPathSuffix(".tsv", "tsv");

    protected override IUsageLedger Open(string directory) => Registry.Open("tsv:" + Path.Combine(directory, "usage.tsv"));

    [Fact]
    public void A_registered_scheme_and_path_suffix_resolve_and_an_unknown_scheme_is_named()
    {
        Assert.Equal(new LedgerSpec("tsv", "/data/usage.tsv"), Registry.Parse("tsv:/data/usage.tsv"));
        Assert.Equal(new LedgerSpec("tsv", "/data/usage.tsv"), Registry.Parse("/data/usage.tsv"));
        var error = Assert.Throws<FormatException>(() => Registry.Parse("duckdb:/data/usage.duckdb"));
        Assert.Contains("duckdb", error.Message, StringComparison.Ordinal);
        Assert.Contains("tsv:", error.Message, StringComparison.Ordinal);
    }
}
