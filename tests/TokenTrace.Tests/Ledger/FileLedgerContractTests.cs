namespace TokenTrace.Tests;

public sealed class JsonlLedgerContractTests : UsageLedgerContract
{
    protected override IUsageLedger Open(string directory) => new JsonlUsageLedger(Path.Combine(directory, "usage"));
}

public sealed class CsvLedgerContractTests : UsageLedgerContract
{
    protected override IUsageLedger Open(string directory) => new CsvUsageLedger(Path.Combine(directory, "usage.csv"));
}
