using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace TokenTrace;

/// <summary>Budgets and fired alerts of a JSONL or CSV ledger: one JSON file beside it, changed under the ledger's lock.</summary>
internal sealed class FileBudgetStore(string path, string lockPath, TimeSpan lockTimeout)
{
    public async Task<IReadOnlyList<Budget>> ListAsync(CancellationToken cancellationToken)
    {
        using var held = await FileLedgerLock.AcquireAsync(lockPath, lockTimeout, cancellationToken).ConfigureAwait(false);
        return Load().Budgets;
    }

    public async Task SaveAsync(Budget budget, CancellationToken cancellationToken)
    {
        budget.Validate();
        await UpdateAsync(
            state =>
            {
                state.Budgets.RemoveAll(b => b.Name == budget.Name);
                state.Budgets.Add(budget);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> RemoveAsync(string name, CancellationToken cancellationToken) =>
        UpdateAsync(state => state.Budgets.RemoveAll(b => b.Name == name) > 0, cancellationToken);

    public Task<bool> MarkAsync(string budget, long periodKey, string alert, CancellationToken cancellationToken) =>
        UpdateAsync(state => state.Alerts.Add(string.Create(CultureInfo.InvariantCulture, $"{budget}\u001f{periodKey}\u001f{alert}")), cancellationToken);

    public async Task<bool> IsMarkedAsync(string budget, long periodKey, string alert, CancellationToken cancellationToken)
    {
        using var held = await FileLedgerLock.AcquireAsync(lockPath, lockTimeout, cancellationToken).ConfigureAwait(false);
        return Load().Alerts.Contains(string.Create(CultureInfo.InvariantCulture, $"{budget}\u001f{periodKey}\u001f{alert}"));
    }

    private async Task<bool> UpdateAsync(Func<State, bool> change, CancellationToken cancellationToken)
    {
        // The lock creates the ledger's folder (the budgets file's too), or says why it cannot (exit 2, not an IOException).
        using var held = await FileLedgerLock.AcquireAsync(lockPath, lockTimeout, cancellationToken).ConfigureAwait(false);
        var state = Load();
        if (!change(state))
        {
            return false;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("budgets");
            foreach (var budget in state.Budgets.OrderBy(b => b.Name, StringComparer.Ordinal))
            {
                BudgetJson.Write(w, budget);
            }

            w.WriteEndArray();
            w.WriteStartArray("firedAlerts");
            foreach (var alert in state.Alerts.Order(StringComparer.Ordinal))
            {
                w.WriteStringValue(alert);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        SecureFile.WriteAllBytesAtomic(path, buffer.WrittenSpan);
        return true;
    }

    private State Load()
    {
        var state = new State();
        if (!File.Exists(path))
        {
            return state;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            foreach (var budget in document.RootElement.GetProperty("budgets").EnumerateArray())
            {
                state.Budgets.Add(BudgetJson.Read(budget));
            }

            foreach (var alert in document.RootElement.GetProperty("firedAlerts").EnumerateArray())
            {
                state.Alerts.Add(alert.GetString()!);
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new LedgerFormatException(new LedgerProblem(path, 0, null, $"the budgets file is damaged ({ex.Message}); fix or delete it"), ex);
        }

        return state;
    }

    private sealed class State
    {
        public List<Budget> Budgets { get; } = [];

        public HashSet<string> Alerts { get; } = new(StringComparer.Ordinal);
    }
}
