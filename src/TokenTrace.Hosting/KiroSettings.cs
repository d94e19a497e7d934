namespace TokenTrace.Hosting;

/// <summary>
/// The <c>kiro:</c> section: what <c>tokentrace hook kiro</c> (run by Kiro's agent hooks) records, and where.
/// </summary>
public sealed class KiroSettings
{
    /// <summary>Whether the hook records anything; false makes it do nothing and exit 0.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The ledger the hook writes (<c>csv:~/kiro-usage.csv</c> for a spreadsheet); null writes the ledger in effect
    /// (<c>ledger:</c>, <c>TOKENTRACE_LEDGER</c> or the default). <c>--ledger</c> on the command line wins over both.
    /// </summary>
    public string? Ledger { get; set; }

    /// <summary>
    /// The model the records name. Kiro does not tell which model answered and bills credits, so the default, <c>kiro</c>,
    /// is unpriced; naming a catalogue model prices the estimated prompt tokens at that model's input rate.
    /// </summary>
    public string Model { get; set; } = "kiro";
}
