namespace TokenTrace.Tests;

/// <summary>The real files under ../shared/data, read in place.</summary>
public static class SharedData
{
    public static string? Find(string relative)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "data", relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }

            directory = directory.Parent;
        }

        return null;
    }
}
