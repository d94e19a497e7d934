using System.Globalization;
using System.Text;

namespace TokenTrace.Reports;

/// <summary>
/// The frame every chart of the HTML report shares. Text must stay readable from a 390-pixel phone to a desktop, and a
/// scaled <c>viewBox</c> shrinks text with the chart; so each chart is two SVGs side by side: a fixed-width y axis, and
/// a plot area whose labels are placed in percent and sized in pixels, with the marks in a nested SVG that stretches
/// horizontally only (strokes keep their width through <c>vector-effect</c>).
/// </summary>
internal sealed class SvgChart
{
    /// <summary>Width of the marks' coordinate system (the nested SVG's viewBox).</summary>
    public const double PlotWidth = 1000;

    private const int AxisWidth = 56;
    private const int Top = 12;
    private const int Bottom = 22;
    private readonly StringBuilder _axis = new();
    private readonly StringBuilder _grid = new();
    private readonly StringBuilder _labels = new();
    private readonly StringBuilder _marks = new();
    private readonly int _height;
    private readonly AxisScale _scale;

    /// <summary>A chart <paramref name="height"/> pixels tall with a value axis from 0 to <paramref name="scale"/>'s top.</summary>
    public SvgChart(int height, AxisScale scale, Func<decimal, string> tick)
    {
        ArgumentNullException.ThrowIfNull(scale);
        ArgumentNullException.ThrowIfNull(tick);
        _height = height;
        _scale = scale;
        foreach (var value in scale.Ticks)
        {
            var y = Top + Y(value);
            _axis.Append(CultureInfo.InvariantCulture, $"<text x=\"{AxisWidth - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{HtmlText.Encode(tick(value))}</text>");
            _grid.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"0\" x2=\"100%\" y1=\"{y:0.#}\" y2=\"{y:0.#}\"/>");
        }
    }

    /// <summary>Height of the plot area in pixels (and in the marks' coordinates).</summary>
    public double PlotHeight => _height - Top - Bottom;

    /// <summary>The plot y coordinate of <paramref name="value"/> (0 at the top of the plot area).</summary>
    public double Y(decimal value) => PlotHeight - ((double)(value / _scale.Top) * PlotHeight);

    /// <summary>Adds a mark (an SVG element in plot coordinates: x from 0 to <see cref="PlotWidth"/>, y from 0 to <see cref="PlotHeight"/>).</summary>
    public SvgChart Mark(string element)
    {
        _marks.Append(element);
        return this;
    }

    /// <summary>
    /// Adds a label under the plot at <paramref name="percent"/> of its width. A minor label is hidden on narrow
    /// screens, where only the major ones fit.
    /// </summary>
    public SvgChart XLabel(double percent, string text, bool minor = false, string anchor = "middle")
    {
        _labels.Append(CultureInfo.InvariantCulture, $"<text class=\"{(minor ? "x minor" : "x")}\" x=\"{percent:0.###}%\" y=\"{_height - 6}\" text-anchor=\"{anchor}\">{HtmlText.Encode(text)}</text>");
        return this;
    }

    /// <summary>Adds a label in the plot area at <paramref name="percent"/> of its width, just above the plot y <paramref name="plotY"/>.</summary>
    public SvgChart Note(double percent, double plotY, string text, string color, string anchor = "end")
    {
        _labels.Append(CultureInfo.InvariantCulture, $"<text class=\"note\" x=\"{percent:0.###}%\" y=\"{Top + plotY - 4:0.#}\" text-anchor=\"{anchor}\" fill=\"{color}\">{HtmlText.Encode(text)}</text>");
        return this;
    }

    /// <summary>Appends the chart as a <c>figure.chart</c> named <paramref name="name"/>.</summary>
    public void WriteTo(StringBuilder html, string name, string description)
    {
        ArgumentNullException.ThrowIfNull(html);
        html.Append(CultureInfo.InvariantCulture, $"<figure class=\"chart\" data-chart=\"{HtmlText.Encode(name)}\"><div class=\"plot\">")
            .Append(CultureInfo.InvariantCulture, $"<svg class=\"y-axis\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{AxisWidth}\" height=\"{_height}\" aria-hidden=\"true\">").Append(_axis).Append("</svg>")
            .Append(CultureInfo.InvariantCulture, $"<svg class=\"area\" xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" height=\"{_height}\" role=\"img\" aria-label=\"{HtmlText.Encode(description)}\">").Append(_grid)
            .Append(CultureInfo.InvariantCulture, $"<svg x=\"0\" y=\"{Top}\" width=\"100%\" height=\"{PlotHeight:0.#}\" viewBox=\"0 0 {PlotWidth} {PlotHeight:0.#}\" preserveAspectRatio=\"none\">").Append(_marks).Append("</svg>")
            .Append(_labels).Append("</svg></div></figure>");
    }
}
