namespace TokenTrace.CodingAgents.Tests;

/// <summary>The agent histories written for these tests (Fixtures/, copied beside the test assembly).</summary>
internal static class Fixtures
{
    /// <summary>Copies the fixture folder <paramref name="name"/> (<c>opencode</c>, <c>amp</c>) into <paramref name="target"/>, so a test may change it.</summary>
    public static string CopyTo(string name, string target)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        return target;
    }
}
