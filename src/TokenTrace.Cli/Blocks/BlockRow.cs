namespace TokenTrace.Cli;

/// <summary>One row of the blocks view: a block or gap (<see cref="Block"/>), or the total under them (<see cref="Label"/>).</summary>
internal sealed record BlockRow(BillingBlock? Block, UsageTotals Totals, BlockBurn? Burn, bool IsActive, string? Label = null);
