using System.Text;

namespace TokenTrace.Hosting;

/// <summary>
/// Replaces <c>${VAR}</c> and <c>${VAR:-default}</c> in configuration text, line by line so that errors can name the
/// line. <c>$${</c> is a literal <c>${</c>. An unset variable without a default is an error, never an empty string.
/// </summary>
public static class EnvironmentSubstitution
{
    /// <summary>Substitutes variables in <paramref name="text"/> read from <paramref name="path"/>.</summary>
    /// <exception cref="ConfigurationException">A reference is unterminated or names an unset variable without a default.</exception>
    public static string Apply(string text, string path, Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(getVariable);
        var output = new StringBuilder(text.Length);
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n')
            {
                line++;
            }

            if (c == '$' && i + 2 < text.Length && text[i + 1] == '$' && text[i + 2] == '{')
            {
                output.Append("${");
                i += 2;
                continue;
            }

            if (c != '$' || i + 1 >= text.Length || text[i + 1] != '{')
            {
                output.Append(c);
                continue;
            }

            var end = text.IndexOf('}', i + 2);
            var newline = text.IndexOf('\n', i + 2);
            if (end < 0 || (newline >= 0 && newline < end))
            {
                throw new ConfigurationException(path, line, "'${' is not closed by '}' on the same line");
            }

            var body = text[(i + 2)..end];
            var separator = body.IndexOf(":-", StringComparison.Ordinal);
            var name = separator >= 0 ? body[..separator] : body;
            if (name.Length == 0 || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
            {
                throw new ConfigurationException(path, line, $"'${{{body}}}' is not a variable reference; expected ${{NAME}} or ${{NAME:-default}}");
            }

            var value = getVariable(name);
            if (string.IsNullOrEmpty(value))
            {
                value = separator >= 0 ? body[(separator + 2)..] : throw new ConfigurationException(path, line, $"environment variable {name} is not set and '${{{name}}}' has no default (write ${{{name}:-value}})");
            }

            output.Append(value);
            i = end;
        }

        return output.ToString();
    }
}
