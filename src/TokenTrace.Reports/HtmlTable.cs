using System.Text;

namespace TokenTrace.Reports;

/// <summary>
/// A table of the HTML report. Each cell carries its column's name (<c>data-label</c>), which the narrow-screen style
/// shows beside the value when rows become stacked cards: eight columns do not fit 390 pixels side by side.
/// </summary>
internal sealed class HtmlTable
{
    private readonly StringBuilder _html;
    private readonly string[] _columns;

    /// <summary>Starts a table with <paramref name="columns"/> (the first names the row).</summary>
    public HtmlTable(StringBuilder html, string cssClass, params string[] columns)
    {
        _html = html;
        _columns = columns;
        html.Append("<table class=\"data ").Append(cssClass).Append("\"><thead><tr>");
        foreach (var column in columns)
        {
            html.Append("<th>").Append(HtmlText.Encode(column)).Append("</th>");
        }

        html.Append("</tr></thead><tbody>");
    }

    /// <summary>Adds a row of cells, each a value with an optional second line (a range, a change) in smaller type.</summary>
    public void Row(params (string Value, string? Detail)[] cells) => Row(null, cells);

    /// <summary>Adds a row with a CSS class (the total row is bold).</summary>
    public void Row(string? cssClass, params (string Value, string? Detail)[] cells)
    {
        _html.Append(cssClass is null ? "<tr>" : "<tr class=\"" + cssClass + "\">");
        for (var i = 0; i < cells.Length; i++)
        {
            var (value, detail) = cells[i];
            _html.Append("<td data-label=\"").Append(HtmlText.Encode(_columns[i])).Append("\"><span>").Append(HtmlText.Encode(value));
            if (detail is not null)
            {
                _html.Append("<small>").Append(HtmlText.Encode(detail)).Append("</small>");
            }

            _html.Append("</span></td>");
        }

        _html.Append("</tr>");
    }

    /// <summary>Closes the table.</summary>
    public void End() => _html.Append("</tbody></table>");
}
