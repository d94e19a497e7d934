namespace TokenTrace.Tests;

public sealed class JsonlLedgerContractTests : UsageLedgerContract
{
    protected override IUsageLedger Open(string directory) => new JsonlUsageLedger(Path.Combine(directory, "usage"));
}

public sealed class CsvLedgerContractTests : UsageLedgerContract
{
    protected override IUsageLedger Open(string directory) => new CsvUsageLedger(Path.Combine(directory, "usage.csv"));
}

/// <summary>The JSONL ledger seen through a wrapper: every capability (budgets, cost revision, health) must pass through.</summary>
public sealed class WrappedJsonlLedgerContractTests : UsageLedgerContract
{
    protected override IUsageLedger Open(string directory) => new PassThroughLedger(new JsonlUsageLedger(Path.Combine(directory, "usage")));

    private sealed class PassThroughLedger(IUsageLedger inner) : DelegatingUsageLedger(inner);
}
