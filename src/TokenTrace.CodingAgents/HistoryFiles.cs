namespace TokenTrace.CodingAgents;

/// <summary>Finds history files under a root in a stable (ordinal) order; a missing or unreadable root has none.</summary>
internal static class HistoryFiles
{
    public static IEnumerable<string> Under(string root, string pattern)
    {
        if (!Directory.Exists(root))
        {
            return [];
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        var files = Directory.EnumerateFiles(root, pattern, options).ToList();
        files.Sort(StringComparer.Ordinal);
        return files;
    }
}
