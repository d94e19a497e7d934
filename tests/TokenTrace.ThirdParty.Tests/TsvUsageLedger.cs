using System.Runtime.CompilerServices;
using System.Text;

namespace TokenTrace.ThirdParty.Tests;

/// <summary>
/// A ledger of tab-separated lines, one record a line, in the field order of <see cref="UsageRecordFields"/>; budgets in
/// a folder beside it, one <see cref="BudgetJson"/> file each. Built only on TokenTrace's public seams: it implements
/// append and read, cost revision and budgets, and leaves summaries and integrity checks to the core's fallbacks.
/// </summary>
public sealed class TsvUsageLedger : IUsageLedger, ICostReviser, IBudgetStore
{
    private const string Null = "\\N";

    public TsvUsageLedger(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory = System.IO.Path.GetDirectoryName(Path)!;
    }

    public string Path { get; }

    public string Spec => "tsv:" + Path;

    private string Directory { get; }

    private string BudgetDirectory => Path + ".budgets";

    public async Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        // The ledger contract: a record outside the documented bounds is refused before anything is written.
        foreach (var record in records)
        {
            UsageRecordValidator.ThrowIfInvalid(record);
        }

        using var held = await LockAsync(cancellationToken);
        var stored = ReadIds();
        var text = new StringBuilder();
        var added = 0;
        foreach (var record in records)
        {
            if (stored.Add(record.Id))
            {
                text.Append(ToLine(record)).Append('\n');
                added++;
            }
        }

        using (var stream = SecureFile.Open(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            await stream.WriteAsync(bytes, cancellationToken);
            stream.Flush(flushToDisk: true);
        }

        return new AppendResult(added, records.Count - added);
    }

    public async IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Path))
        {
            yield break;
        }

        var lines = await File.ReadAllLinesAsync(Path, cancellationToken);
        foreach (var record in lines.Where(l => l.Length > 0).Select(FromLine).OrderBy(r => r.Timestamp))
        {
            if (query.Matches(record))
            {
                yield return record;
            }
        }
    }

    public async Task<int> ReviseCostsAsync(IReadOnlyList<CostRevision> revisions, CancellationToken cancellationToken = default)
    {
        using var held = await LockAsync(cancellationToken);
        if (!File.Exists(Path))
        {
            return 0;
        }

        var byId = revisions.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var changed = 0;
        var lines = (await File.ReadAllLinesAsync(Path, cancellationToken)).Where(l => l.Length > 0).Select(line =>
        {
            var record = FromLine(line);
            if (!byId.TryGetValue(record.Id, out var revision)
                || (record.CostUsd == revision.CostUsd && record.Price == revision.Price && (revision.Provider is null || revision.Provider == record.Provider)))
            {
                return line;
            }

            changed++;
            return ToLine(record with { CostUsd = revision.CostUsd, Price = revision.Price, Provider = revision.Provider ?? record.Provider });
        }).ToList();
        var temporary = Path + ".tmp";
        using (var stream = SecureFile.Open(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n"))), cancellationToken);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
        return changed;
    }

    public async Task<IReadOnlyList<Budget>> ListBudgetsAsync(CancellationToken cancellationToken = default)
    {
        if (!System.IO.Directory.Exists(BudgetDirectory))
        {
            return [];
        }

        var budgets = new List<Budget>();
        foreach (var file in System.IO.Directory.EnumerateFiles(BudgetDirectory, "*.json"))
        {
            budgets.Add(BudgetJson.FromText(await File.ReadAllTextAsync(file, cancellationToken)));
        }

        return budgets;
    }

    public async Task SaveBudgetAsync(Budget budget, CancellationToken cancellationToken = default)
    {
        SecureFile.EnsureDirectory(BudgetDirectory);
        var path = BudgetFile(budget.Name);
        using var stream = SecureFile.Open(path, FileMode.Create, FileAccess.Write, FileShare.None);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(BudgetJson.ToText(budget)), cancellationToken);
    }

    public Task<bool> RemoveBudgetAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = BudgetFile(name);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }

        File.Delete(path);
        return Task.FromResult(true);
    }

    public Task<bool> MarkAlertAsync(string budget, long periodKey, string alert, CancellationToken cancellationToken = default)
    {
        // Creating a file is atomic: the first to create it fired the alert.
        SecureFile.EnsureDirectory(BudgetDirectory);
        var marker = System.IO.Path.Combine(BudgetDirectory, Hex($"{budget}\n{periodKey}\n{alert}") + ".fired");
        try
        {
            using var _ = SecureFile.Open(marker, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            return Task.FromResult(true);
        }
        catch (IOException) when (File.Exists(marker))
        {
            return Task.FromResult(false);
        }
    }

    public Task<bool> IsAlertMarkedAsync(string budget, long periodKey, string alert, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(System.IO.Path.Combine(BudgetDirectory, Hex($"{budget}\n{periodKey}\n{alert}") + ".fired")));

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string ToLine(UsageRecord record) =>
        string.Join('\t', UsageRecordFields.ToText(record).Select(v => v is null ? Null : Escape(v)));

    private static UsageRecord FromLine(string line) =>
        UsageRecordFields.FromText([.. line.Split('\t').Select(v => v == Null ? null : Unescape(v))]);

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);

    private static string Unescape(string value)
    {
        var text = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '\\' || i + 1 == value.Length)
            {
                text.Append(value[i]);
                continue;
            }

            text.Append(value[++i] switch { 't' => '\t', 'n' => '\n', 'r' => '\r', var c => c });
        }

        return text.ToString();
    }

    private HashSet<string> ReadIds() =>
        File.Exists(Path) ? [.. File.ReadLines(Path).Where(l => l.Length > 0).Select(l => Unescape(l[..l.IndexOf('\t', StringComparison.Ordinal)]))] : new HashSet<string>(StringComparer.Ordinal);

    private string BudgetFile(string name) => System.IO.Path.Combine(BudgetDirectory, Hex(name) + ".json");

    private static string Hex(string text) => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(text));

    /// <summary>An exclusive lock across threads and processes: a lock file opened with no sharing.</summary>
    private async Task<IDisposable> LockAsync(CancellationToken cancellationToken)
    {
        SecureFile.EnsureDirectory(Directory);
        while (true)
        {
            try
            {
                return SecureFile.Open(Path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(1, cancellationToken);
            }
        }
    }
}
