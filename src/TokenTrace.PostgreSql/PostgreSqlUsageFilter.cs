using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace TokenTrace.PostgreSql;

/// <summary>
/// A <see cref="UsageQuery"/> as a SQL <c>WHERE</c> clause with parameters: the time range on <c>ts</c> (which also
/// prunes the monthly partitions), equality on each field, tag containment on the tags (text holding a JSON object, read as <c>jsonb</c> here).
/// </summary>
internal static class PostgreSqlUsageFilter
{
    /// <summary>Appends the conditions of <paramref name="query"/> (nothing when it matches everything) and adds their parameters.</summary>
    public static string Where(UsageQuery query, NpgsqlCommand command, string alias = "")
    {
        ArgumentNullException.ThrowIfNull(query);
        var conditions = new List<string>();
        void Add(string column, object? value, NpgsqlDbType type, string op = "=")
        {
            if (value is null)
            {
                return;
            }

            var name = "@f" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
            command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value });
            conditions.Add($"{alias}{column} {op} {name}");
        }

        Add("ts", query.Since?.UtcTicks, NpgsqlDbType.Bigint, ">=");
        Add("ts", query.Until?.UtcTicks, NpgsqlDbType.Bigint, "<");
        Add("model", query.Model, NpgsqlDbType.Text);
        Add("provider", query.Provider, NpgsqlDbType.Text);
        Add("project", query.Project, NpgsqlDbType.Text);
        Add("job", query.Job, NpgsqlDbType.Text);
        Add("task", query.Task, NpgsqlDbType.Text);
        Add("agent", query.Agent, NpgsqlDbType.Text);
        Add("session", query.Session, NpgsqlDbType.Text);
        Add("user_name", query.User, NpgsqlDbType.Text);
        Add("source", query.Source, NpgsqlDbType.Text);
        if (query.Tags.Count > 0)
        {
            Add("tags::jsonb", PostgreSqlJson.Write(query.Tags), NpgsqlDbType.Jsonb, "@>");
        }

        return conditions.Count == 0 ? "" : new StringBuilder(" WHERE ").AppendJoin(" AND ", conditions).ToString();
    }
}
