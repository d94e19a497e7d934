namespace TokenTrace;

/// <summary>One parsed CSV row: its cells (null for an empty unquoted cell), its raw text, its first line, and whether it ended cleanly.</summary>
internal readonly record struct CsvRow(string?[] Cells, string Raw, long Line, bool Complete);
