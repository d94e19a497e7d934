namespace TokenTrace.Server.Tests;

/// <summary>The tokens file: hashes only, owner-only, clear errors.</summary>
public sealed class ServerTokenFileTests
{
    [Fact]
    public void An_added_token_is_found_by_its_secret_only_and_stored_as_its_hash()
    {
        using var folder = new TempDirectory();
        var path = folder.File("tokens.json");

        var secret = ServerTokenFile.Add(path, "laptop", ServerTokenScope.Write, device: "dev-1");
        var other = ServerTokenFile.Add(path, "grafana", ServerTokenScope.Read, project: "checkout");

        var tokens = ServerTokenFile.Load(path);
        Assert.Equal(("laptop", ServerTokenScope.Write, "dev-1"), tokens.Find(secret) is { } t ? (t.Name, t.Scope, t.Device) : default);
        Assert.Equal(("grafana", "checkout"), tokens.Find(other) is { } g ? (g.Name, g.Project) : default);
        Assert.Null(tokens.Find(secret + "x"));
        Assert.Null(tokens.Find(""));
        var text = File.ReadAllText(path);
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(other, text, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void A_name_is_added_once_and_removed_once()
    {
        using var folder = new TempDirectory();
        var path = folder.File("tokens.json");
        var secret = ServerTokenFile.Add(path, "laptop", ServerTokenScope.Write);

        Assert.Throws<ArgumentException>(() => ServerTokenFile.Add(path, "laptop", ServerTokenScope.Read));
        Assert.True(ServerTokenFile.Remove(path, "laptop"));
        Assert.False(ServerTokenFile.Remove(path, "laptop"));
        Assert.Null(ServerTokenFile.Load(path).Find(secret));
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("""{"tokens":{}}""", "expected {\"tokens\":[…]}")]
    [InlineData("""{"tokens":[{"name":"a","scope":"admin","sha256":"00"}]}""", "scope 'admin' is not read or write")]
    [InlineData("""{"tokens":[{"name":"a","scope":"read","sha256":"zz"}]}""", "sha256 is not hexadecimal")]
    [InlineData("""{"tokens":[{"name":"a","scope":"read","sha256":"00ff"}]}""", "sha256 is not 32 bytes")]
    public void A_broken_file_is_refused_naming_the_file_and_the_problem(string content, string problem)
    {
        using var folder = new TempDirectory();
        var path = folder.File("tokens.json");
        File.WriteAllText(path, content);

        var error = Assert.Throws<FormatException>(() => ServerTokenFile.Load(path));

        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }
}
