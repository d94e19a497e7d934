namespace TokenTrace.LoadTest;

/// <summary>
/// One load test's shape: <paramref name="Pushers"/> machines × <paramref name="RecordsPerPusher"/> records, sent
/// <paramref name="BatchSize"/> a request; the server killed once its log counts <paramref name="KillAfterStored"/>
/// stored. <paramref name="ServerLedger"/> is the server's ledger spec (null: a new SQLite file in
/// <paramref name="WorkDirectory"/>); <paramref name="CliDll"/> the <c>TokenTrace.Cli.dll</c> run as <c>tokentrace</c>;
/// <paramref name="TimeServer"/> runs each server under <c>/usr/bin/time -v</c>.
/// </summary>
internal sealed record LoadRunSettings(
    int Pushers,
    int RecordsPerPusher,
    int BatchSize,
    long KillAfterStored,
    string WorkDirectory,
    string CliDll,
    string? ServerLedger = null,
    bool TimeServer = false);
