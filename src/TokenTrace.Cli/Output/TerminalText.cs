using System.Buffers;

namespace TokenTrace.Cli;

/// <summary>
/// Text from the ledger made safe to print on a terminal. Names come from outside (a coding agent's log, a hook's input,
/// an import file), and a control character in one is an instruction to the terminal: an escape sequence can retitle the
/// window, clear the screen or rewrite what was printed before, and a line break splits a table's row. Spectre.Console
/// passes them through as they are, so every table and Markdown cell goes through <see cref="Visible"/>.
/// </summary>
internal static class TerminalText
{
    /// <summary>What a control character is shown as: visible, one cell wide, and plainly not part of the name.</summary>
    public const char Replacement = '\uFFFD';

    private static readonly SearchValues<char> Controls = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(c => (char)c), '\u007F', .. Enumerable.Range(0x80, 0x20).Select(c => (char)c)]);

    /// <summary><paramref name="text"/> with every control character (C0, DEL, C1) replaced by <see cref="Replacement"/>.</summary>
    public static string Visible(string text)
    {
        var first = text.AsSpan().IndexOfAny(Controls);
        if (first < 0)
        {
            return text;
        }

        return string.Create(text.Length, (text, first), static (span, state) =>
        {
            state.text.AsSpan().CopyTo(span);
            for (var i = state.first; i < span.Length; i++)
            {
                if (char.IsControl(span[i]))
                {
                    span[i] = Replacement;
                }
            }
        });
    }
}
