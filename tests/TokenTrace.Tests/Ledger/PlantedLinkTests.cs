using System.Text;

namespace TokenTrace.Tests;

/// <summary>
/// A symbolic link planted where TokenTrace writes a side file (the rewrite's temporary file, the budget and reservation
/// files' temporaries, the generation counter, <c>.rejected</c>) is never followed: its target keeps its bytes, and the
/// ledger file never becomes a link. Found by hand: <c>doctor --repair</c> once overwrote a planted <c>&lt;ledger&gt;.tmp</c>
/// link's target and renamed the link over the ledger.
/// </summary>
public sealed class PlantedLinkTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private const string VictimText = "the victim's own bytes\n";

    [Fact]
    public async Task Repair_never_writes_through_a_link_planted_at_a_temporary_or_generation_name()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var temp = new TempDirectory();
        var root = temp.File("ledger");
        var records = Enumerable.Range(0, 3).Select(i => new UsageRecord { Id = $"r{i}", Timestamp = Day.AddMinutes(i), Model = "gpt-4o", Tokens = new TokenCounts { Input = 100 + i } }).ToArray();
        await new JsonlUsageLedger(root).AppendAsync(records);
        var day = Directory.GetFiles(root, "*.jsonl").Single();
        Damage(day, line: 2);

        var victim = temp.File("victim.txt");
        await File.WriteAllTextAsync(victim, VictimText);
        string[] planted = [day + ".tmp", Path.Combine(root, ".generation.tmp"), Path.Combine(root, ".generation")];
        foreach (var link in planted)
        {
            File.CreateSymbolicLink(link, victim);
        }

        var ledger = new JsonlUsageLedger(root);
        var moved = await ledger.GetRequiredService<ILedgerMaintenance>().QuarantineAsync();

        Assert.Equal(1, moved);
        Assert.Equal(VictimText, await File.ReadAllTextAsync(victim));
        Assert.Null(new FileInfo(day).LinkTarget);
        Assert.Equal(victim, new FileInfo(day + ".tmp").LinkTarget);
        Assert.Equal(["r0", "r2"], (await ReadAllAsync(new JsonlUsageLedger(root))).Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFiles(root, ".*.tmp").Except(planted)); // the real temporaries were renamed into place
    }

    [Fact]
    public async Task A_link_planted_at_rejected_is_refused_naming_it_and_its_target_is_untouched()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var temp = new TempDirectory();
        var root = temp.File("ledger");
        await new JsonlUsageLedger(root).AppendAsync([new UsageRecord { Id = "a", Timestamp = Day, Model = "m" }, new UsageRecord { Id = "b", Timestamp = Day.AddMinutes(1), Model = "m" }]);
        var day = Directory.GetFiles(root, "*.jsonl").Single();
        Damage(day, line: 1);
        var victim = temp.File("victim.txt");
        await File.WriteAllTextAsync(victim, VictimText);
        File.CreateSymbolicLink(day + ".rejected", victim);

        var error = await Assert.ThrowsAsync<LedgerFormatException>(() => new JsonlUsageLedger(root).GetRequiredService<ILedgerMaintenance>().QuarantineAsync());

        Assert.Contains(day + ".rejected", error.Message, StringComparison.Ordinal);
        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
        Assert.Equal(VictimText, await File.ReadAllTextAsync(victim));
    }

    [Theory]
    [InlineData("jsonl")]
    [InlineData("csv")]
    public async Task Budget_and_reservation_files_never_write_through_a_planted_link(string kind)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var temp = new TempDirectory();
        IUsageLedger ledger = kind == "jsonl" ? new JsonlUsageLedger(temp.File("ledger")) : new CsvUsageLedger(temp.File("usage.csv"));
        await ledger.AppendAsync([new UsageRecord { Id = "seed", Timestamp = Day, Model = "m" }]);
        var folder = kind == "jsonl" ? temp.File("ledger") : temp.Path;
        var victim = temp.File("victim.txt");
        await File.WriteAllTextAsync(victim, VictimText);
        string[] sideFiles = kind == "jsonl"
            ? ["budgets.json", "budget-reservations.json"]
            : ["usage.csv.budgets.json", "usage.csv.reservations.json"];
        foreach (var side in sideFiles)
        {
            // The old fixed temporary names, and the side files themselves.
            File.CreateSymbolicLink(Path.Combine(folder, side + ".tmp"), victim);
        }

        var budgets = ledger.GetRequiredService<IBudgetStore>();
        await budgets.SaveBudgetAsync(new Budget { Name = "cap", Limit = 10m, Period = BudgetPeriod.Parse("total"), Mode = BudgetMode.Hard });
        var budget = Assert.Single(await budgets.ListBudgetsAsync());
        var reservations = ledger.GetRequiredService<IBudgetReservations>();
        var now = Day.AddHours(1);
        var reserved = await reservations.TryReserveAsync(budget, budget.Period.WindowAt(now, TimeZoneInfo.Utc), 1m, now, TimeSpan.FromMinutes(5));
        Assert.True(reserved.Granted, "the reservation fits under the limit");

        Assert.Equal(VictimText, await File.ReadAllTextAsync(victim));
        foreach (var side in sideFiles)
        {
            Assert.Null(new FileInfo(Path.Combine(folder, side)).LinkTarget);
            Assert.Equal(victim, new FileInfo(Path.Combine(folder, side + ".tmp")).LinkTarget);
        }
    }

    private static void Damage(string file, int line)
    {
        // Change one character inside the line's model value: its checksum no longer matches.
        var lines = File.ReadAllText(file).Split('\n');
        var at = lines[line - 1].IndexOf("\"model\":\"", StringComparison.Ordinal) + 9;
        lines[line - 1] = lines[line - 1][..at] + "X" + lines[line - 1][(at + 1)..];
        File.WriteAllText(file, string.Join('\n', lines), new UTF8Encoding(false));
    }

    private static async Task<List<UsageRecord>> ReadAllAsync(IUsageLedger ledger)
    {
        var all = new List<UsageRecord>();
        await foreach (var record in ledger.ReadAsync(new UsageQuery()))
        {
            all.Add(record);
        }

        return all;
    }
}
