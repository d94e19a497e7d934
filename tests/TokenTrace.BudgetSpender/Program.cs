using System.Globalization;
using TokenTrace;
using TokenTrace.Client;
using TokenTrace.PostgreSql;
using TokenTrace.Sqlite;

// Usage: TokenTrace.BudgetSpender sqlite:FILE|jsonl:DIR|postgres://…|http://server PREFIX COST
// (a server spec reads its token from TOKENTRACE_TOKEN and its device name from TOKENTRACE_DEVICE)
// Enforces the ledger's stored budgets. Prints "ready", waits for a line on stdin (so that every process starts spending
// at once), then loops: reserve a call of COST, append a record costing exactly that, settle; until a hard budget
// refuses. Prints "spent N" and exits 0.
var (kind, path) = (args[0][..args[0].IndexOf(':', StringComparison.Ordinal)], args[0][(args[0].IndexOf(':', StringComparison.Ordinal) + 1)..]);
var prefix = args[1];
var cost = decimal.Parse(args[2], CultureInfo.InvariantCulture);
await using IUsageLedger ledger = kind switch
{
    "sqlite" => new SqliteUsageLedger(path),
    "postgres" => new PostgreSqlUsageLedger(args[0]),
    "http" or "https" => new UsageLedgerFactory().AddRemoteLedger().Open(args[0]),
    _ => new JsonlUsageLedger(path),
};
var budgets = await ledger.GetRequiredService<IBudgetStore>().ListBudgetsAsync();
using var enforcer = new BudgetEnforcer(ledger, budgets);
if (!enforcer.ReservesInLedger)
{
    throw new InvalidOperationException(ledger.Spec + " does not keep reservations");
}

Console.WriteLine("ready");
_ = Console.ReadLine();
var spent = 0;
while (true)
{
    UsageRecord Call() => new()
    {
        Id = string.Create(CultureInfo.InvariantCulture, $"{prefix}-{spent}"),
        Timestamp = DateTimeOffset.UtcNow,
        Model = "m",
        Tokens = new TokenCounts { Input = 100 },
        CostUsd = cost,
    };

    BudgetReservation reservation;
    try
    {
        reservation = await enforcer.ReserveAsync(Call());
    }
    catch (BudgetExceededException)
    {
        break;
    }

    await using (reservation)
    {
        var actual = Call();
        await ledger.AppendAsync([actual]);
        await reservation.SettleAsync(actual);
        spent++;
    }
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"spent {spent}"));
