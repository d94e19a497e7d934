using System.Globalization;

namespace TokenTrace.Sqlite;

/// <summary>Budgets and fired alerts, kept in the same database as the usage they measure.</summary>
public sealed partial class SqliteUsageLedger
{
    /// <inheritdoc/>
    public Task<IReadOnlyList<Budget>> ListBudgetsAsync(CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<Budget>>(write: false, connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT definition FROM budgets ORDER BY name";
            var budgets = new List<Budget>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
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
        return RunAsync(write: true, connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO budgets (name, definition, updated) VALUES (@n, @d, @u) ON CONFLICT(name) DO UPDATE SET definition = excluded.definition, updated = excluded.updated";
            command.Parameters.AddWithValue("@n", budget.Name);
            command.Parameters.AddWithValue("@d", BudgetJson.ToText(budget));
            command.Parameters.AddWithValue("@u", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            return command.ExecuteNonQuery();
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> RemoveBudgetAsync(string name, CancellationToken cancellationToken = default) =>
        RunAsync(write: true, connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM budgets WHERE name = @n";
            command.Parameters.AddWithValue("@n", name);
            return command.ExecuteNonQuery() > 0;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> MarkAlertAsync(string budget, long periodKey, string alert, CancellationToken cancellationToken = default) =>
        RunAsync(write: true, connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT OR IGNORE INTO budget_alerts (budget, period_key, alert, fired) VALUES (@b, @k, @a, @f)";
            command.Parameters.AddWithValue("@b", budget);
            command.Parameters.AddWithValue("@k", periodKey);
            command.Parameters.AddWithValue("@a", alert);
            command.Parameters.AddWithValue("@f", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            return command.ExecuteNonQuery() == 1;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> IsAlertMarkedAsync(string budget, long periodKey, string alert, CancellationToken cancellationToken = default) =>
        RunAsync(write: false, connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT EXISTS (SELECT 1 FROM budget_alerts WHERE budget = @b AND period_key = @k AND alert = @a)";
            command.Parameters.AddWithValue("@b", budget);
            command.Parameters.AddWithValue("@k", periodKey);
            command.Parameters.AddWithValue("@a", alert);
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;
        }, cancellationToken);
}
