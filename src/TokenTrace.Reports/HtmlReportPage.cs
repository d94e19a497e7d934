namespace TokenTrace.Reports;

/// <summary>The HTML report's fixed parts: the style sheet and the script that marks rendered charts.</summary>
internal static class HtmlReportPage
{
    /// <summary>
    /// System fonts only (the page must open offline). Below 640 pixels tables turn into one card per row, each cell
    /// labelled by its column (four-column tables, marked "fits", stay tables), and minor axis labels hide.
    /// </summary>
    public const string Head = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>TokenTrace report</title>
        <style>
        *{box-sizing:border-box}
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
        h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
        .muted{color:#666} small{display:block;color:#666;font-size:12px}
        .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
        .card{border:1px solid #e3e3e3;border-radius:6px;padding:8px 12px;min-width:0}
        .card b{display:block;font-size:20px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
        table.data{border-collapse:collapse;width:100%;margin:6px 0;font-variant-numeric:tabular-nums}
        table.data th,table.data td{padding:5px 8px;border-bottom:1px solid #eee;text-align:right;vertical-align:top}
        table.data th{font-weight:600;border-bottom-color:#ccc;font-size:13px}
        table.data th:first-child,table.data td:first-child{text-align:left;overflow-wrap:anywhere}
        table.data tr.total td{font-weight:600;border-top:1px solid #ccc} table.compare{max-width:760px}
        figure{margin:8px 0} .plot{display:flex;align-items:flex-start}
        .plot svg{display:block;overflow:visible;font-size:11px;fill:#555} .plot svg.area{flex:1 1 auto;min-width:0;background:#fcfcfc}
        .plot svg.y-axis{flex:0 0 auto} .plot .grid{stroke:#e6e6e6} .plot .whisker{stroke:#2f6b2a;stroke-width:1.5}
        .plot text{font-size:11px} .plot svg.area>text:not(.x):not(.note){font-size:12px;fill:#222}
        .legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px} .legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
        @media (max-width:640px){
          body{margin:12px auto;padding:0 12px}
          .plot .minor{display:none}
          table.data:not(.fits) thead{display:none}
          table.data:not(.fits),table.data:not(.fits) tbody,table.data:not(.fits) tr,table.data:not(.fits) td{display:block;width:100%}
          table.data:not(.fits) tr{border-bottom:1px solid #ddd;padding:6px 0}
          table.data:not(.fits) tr.total td{border-top:0}
          table.data:not(.fits) td{display:flex;justify-content:space-between;gap:12px;border:0;padding:2px 0}
          table.data:not(.fits) td:first-child{font-weight:600}
          table.data:not(.fits) td:not(:first-child)::before{content:attr(data-label);color:#666;text-align:left}
          table.data:not(.fits) td>span{text-align:right}
          table.fits th,table.fits td{padding:4px 3px;font-size:13px}
        }
        </style></head><body>
        """;

    /// <summary>
    /// Marks each chart once laid out with visible marks, and the page with its scroll width; the headless-Chromium
    /// tests read these attributes from the rendered DOM.
    /// </summary>
    public const string Tail = """
        <script>
        window.addEventListener('load', function () {
          var figures = document.querySelectorAll('figure.chart');
          for (var i = 0; i < figures.length; i++) {
            var box = figures[i].querySelector('svg.area').getBoundingClientRect();
            var marks = figures[i].querySelectorAll('.mark');
            var visible = 0;
            for (var j = 0; j < marks.length; j++) { var b = marks[j].getBoundingClientRect(); if (b.width > 0 || b.height > 0) visible++; }
            figures[i].setAttribute('data-rendered', box.width > 0 && box.height > 0 && visible > 0 ? 'true' : 'false');
            figures[i].setAttribute('data-marks', String(visible));
          }
          document.body.setAttribute('data-charts', String(figures.length));
          document.body.setAttribute('data-viewport-width', String(document.documentElement.clientWidth));
          document.body.setAttribute('data-scroll-width', String(document.documentElement.scrollWidth));
        });
        </script>
        </body></html>
        """;
}
