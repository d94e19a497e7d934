using System.Text;

namespace TokenTrace;

/// <summary>
/// An RFC 4180 reader that keeps what spreadsheets lose: an empty unquoted cell reads as null and a quoted empty
/// cell (<c>""</c>) as an empty string, and a row cut off by a crash (no final newline, or an open quote) is
/// reported as incomplete instead of read as data.
/// </summary>
internal sealed class CsvReader(TextReader reader)
{
    public IEnumerable<CsvRow> ReadRows()
    {
        var cells = new List<string?>();
        var cell = new StringBuilder();
        var raw = new StringBuilder();
        var quoted = false;
        var inQuotes = false;
        var cellStarted = false;
        long line = 1;
        var rowLine = line;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            var ch = (char)c;
            if (inQuotes)
            {
                raw.Append(ch);
                if (ch == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        raw.Append((char)reader.Read());
                        cell.Append('"');
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    if (ch == '\n')
                    {
                        line++;
                    }

                    cell.Append(ch);
                }

                continue;
            }

            switch (ch)
            {
                case '"' when !cellStarted:
                    raw.Append(ch);
                    inQuotes = quoted = cellStarted = true;
                    break;
                case ',':
                    raw.Append(ch);
                    cells.Add(Finish(cell, quoted));
                    quoted = cellStarted = false;
                    break;
                case '\r' when reader.Peek() == '\n':
                    break;
                case '\n':
                    cells.Add(Finish(cell, quoted));
                    yield return new CsvRow([.. cells], raw.ToString(), rowLine, true);
                    cells.Clear();
                    raw.Clear();
                    quoted = cellStarted = false;
                    rowLine = ++line;
                    break;
                default:
                    raw.Append(ch);
                    cellStarted = true;
                    cell.Append(ch);
                    break;
            }
        }

        if (raw.Length > 0)
        {
            cells.Add(Finish(cell, quoted));
            yield return new CsvRow([.. cells], raw.ToString(), rowLine, false);
        }
    }

    private static string? Finish(StringBuilder cell, bool quoted)
    {
        var text = cell.Length == 0 && !quoted ? null : cell.ToString();
        cell.Clear();
        return text;
    }
}
