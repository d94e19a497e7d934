using Npgsql;

namespace TokenTrace.PostgreSql;

/// <summary>Budgets and fired alerts, kept in the same database as the usage they measure.</summary>
public sealed partial class PostgreSqlUsageLedger
{
    /// <inheritdoc/>
    public Task<IReadOnlyList<Budget>> ListBudgetsAsync(CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<Budget>>(async connection =>
        {
            await using var command = new NpgsqlCommand("SELECT definition FROM budgets ORDER BY name", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var budgets = new List<Budget>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                budgets.Add(BudgetJson.FromText(reader.GetString(0)));
            }

            return budgets;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task SaveBudgetAsync(Budget budget, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(budget);
        budget.Validate();
        return RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand(
                "INSERT INTO budgets (name, definition, updated) VALUES (@n, @d, now()) ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated = excluded.updated",
                connection);
            command.Parameters.AddWithValue("n", budget.Name);
            command.Parameters.AddWithValue("d", BudgetJson.ToText(budget));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> RemoveBudgetAsync(string name, CancellationToken cancellationToken = default) =>
        RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("DELETE FROM budgets WHERE name = @n", connection);
            command.Parameters.AddWithValue("n", name);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> MarkAlertAsync(string budget, long periodKey, string alert, CancellationToken cancellationToken = default) =>
        RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand(
                "INSERT INTO budget_alerts (budget, period_key, alert, fired) VALUES (@b, @k, @a, now()) ON CONFLICT DO NOTHING", connection);
            command.Parameters.AddWithValue("b", budget);
            command.Parameters.AddWithValue("k", periodKey);
            command.Parameters.AddWithValue("a", alert);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> IsAlertMarkedAsync(string budget, long periodKey, string alert, CancellationToken cancellationToken = default) =>
        RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand(
                "SELECT EXISTS (SELECT 1 FROM budget_alerts WHERE budget = @b AND period_key = @k AND alert = @a)", connection);
            command.Parameters.AddWithValue("b", budget);
            command.Parameters.AddWithValue("k", periodKey);
            command.Parameters.AddWithValue("a", alert);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
        }, cancellationToken);
}
