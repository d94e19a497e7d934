using System.Text;

namespace TokenTrace.Hosting;

/// <summary>
/// Replaces <c>${VAR}</c> and <c>${VAR:-default}</c> in one configuration value, after the file is parsed: a variable
/// can only ever become (part of) the value it stands in, never new keys, whatever newlines or YAML it holds.
/// <c>$${</c> is a literal <c>${</c>. An unset variable without a default is an error, never an empty string. Errors
/// name the variable and the key, never a variable's value (it may be a secret).
/// </summary>
public static class EnvironmentSubstitution
{
    /// <summary>Substitutes variables in <paramref name="value"/>, the value of <paramref name="key"/> at <paramref name="line"/> of <paramref name="path"/>.</summary>
    /// <param name="value">The parsed scalar value.</param>
    /// <param name="path">The config file, for errors.</param>
    /// <param name="line">The value's line, for errors.</param>
    /// <param name="key">The key the value belongs to, for errors.</param>
    /// <param name="getVariable">Reads an environment variable.</param>
    /// <param name="substituted">Whether any variable's value went into the result (so the result must not be echoed).</param>
    /// <exception cref="ConfigurationException">A reference is unterminated or names an unset variable without a default.</exception>
    public static string ApplyToValue(string value, string path, long line, string key, Func<string, string?> getVariable, out bool substituted)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(getVariable);
        substituted = false;
        if (!value.Contains("${", StringComparison.Ordinal))
        {
            return value;
        }

        var output = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '$' && i + 2 < value.Length && value[i + 1] == '$' && value[i + 2] == '{')
            {
                output.Append("${");
                i += 2;
                continue;
            }

            if (c != '$' || i + 1 >= value.Length || value[i + 1] != '{')
            {
                output.Append(c);
                continue;
            }

            var end = value.IndexOf('}', i + 2);
            if (end < 0)
            {
                throw new ConfigurationException(path, line, $"'{key}': '${{' is not closed by '}}'");
            }

            var body = value[(i + 2)..end];
            var separator = body.IndexOf(":-", StringComparison.Ordinal);
            var name = separator >= 0 ? body[..separator] : body;
            if (name.Length == 0 || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
            {
                throw new ConfigurationException(path, line, $"'{key}': '${{{body}}}' is not a variable reference; expected ${{NAME}} or ${{NAME:-default}}");
            }

            var variable = getVariable(name);
            if (string.IsNullOrEmpty(variable))
            {
                variable = separator >= 0 ? body[(separator + 2)..] : throw new ConfigurationException(path, line, $"'{key}': environment variable {name} is not set and '${{{name}}}' has no default (write ${{{name}:-value}})");
            }
            else
            {
                substituted = true;
            }

            output.Append(variable);
            i = end;
        }

        return output.ToString();
    }
}
