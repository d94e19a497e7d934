using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary>
/// The README's C# blocks are what a new user pastes first: each is built, verbatim, as a console app referencing the
/// repository's projects, the way `dotnet new console` plus the README's packages would (issue 11, deliverable 12).
/// </summary>
public sealed partial class ReadmeSnippetTests
{
    /// <summary>A cold restore and compile on a busy two-core machine; a hang fails rather than stalls.</summary>
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    /// <summary>What the README tells a reader to install: the core, SQLite, hosting, and the generic host for the hosting block.</summary>
    private static readonly string[] Projects = ["TokenTrace", "TokenTrace.Sqlite", "TokenTrace.Hosting"];

    [Fact]
    public async Task Every_csharp_block_of_the_readme_builds_as_a_console_app()
    {
        var root = RepositoryRoot();
        var blocks = CsharpBlocks(File.ReadAllText(Path.Combine(root, "README.md")));
        Assert.True(blocks.Count >= 2, $"expected the README's hosting and direct C# examples, found {blocks.Count} block(s)");
        using var temp = new TempDirectory();
        for (var i = 0; i < blocks.Count; i++)
        {
            var folder = Path.Combine(temp.Path, $"Snippet{i + 1}");
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, $"Snippet{i + 1}.csproj"), ProjectFile(root));
            File.WriteAllText(Path.Combine(folder, "Program.cs"), blocks[i]);

            var (exitCode, output) = await BuildAsync(root, folder);

            Assert.True(exitCode == 0, $"README C# block {i + 1} does not build:\n{blocks[i]}\n---\n{output}");
        }
    }

    [Fact]
    public void The_extraction_finds_only_csharp_blocks_and_keeps_them_verbatim()
    {
        var blocks = CsharpBlocks("text\n```sh\nls\n```\n```csharp\nusing X;\n\nvar y = 1;\n```\nmore\n```csharp\nZ();\n```\n");

        Assert.Equal(["using X;\n\nvar y = 1;", "Z();"], blocks);
    }

    internal static List<string> CsharpBlocks(string markdown) =>
        [.. CsharpBlock().Matches(markdown.ReplaceLineEndings("\n")).Select(m => m.Groups["code"].Value)];

    [GeneratedRegex(@"^```csharp[ \t]*\n(?<code>.*?)\n```[ \t]*$", RegexOptions.Singleline | RegexOptions.Multiline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex CsharpBlock();

    /// <summary>
    /// A plain console project (outside the repository, so none of its build settings apply) with the README's
    /// packages as project references and the generic host at the version the repository pins.
    /// </summary>
    private static string ProjectFile(string root)
    {
        var hostingVersion = XDocument.Load(Path.Combine(root, "Directory.Packages.props")).Descendants("PackageVersion")
            .Single(p => (string?)p.Attribute("Include") == "Microsoft.Extensions.Hosting").Attribute("Version")!.Value;
        var references = string.Concat(Projects.Select(p => $"""    <ProjectReference Include="{Path.Combine(root, "src", p, p + ".csproj")}" />{"\n"}"""));
        return $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
            {references}    <PackageReference Include="Microsoft.Extensions.Hosting" Version="{hostingVersion}" />
              </ItemGroup>
            </Project>
            """;
    }

    /// <summary>
    /// Builds against the repository projects as this test run already built them (same configuration, not rebuilt), so
    /// the test compiles only the snippet and writes nothing under src/.
    /// </summary>
    private static async Task<(int ExitCode, string Output)> BuildAsync(string root, string folder)
    {
        // This assembly runs from bin/CONFIGURATION/TFM/.
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = root };
        foreach (var arg in new[] { "build", folder, "-c", configuration, "-p:BuildProjectReferences=false", "-p:RestoreRecursive=false", "-nologo", "-v:q", "-clp:NoSummary" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(BuildTimeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet build {folder} did not finish within {BuildTimeout}");
        }

        return (process.ExitCode, await output + await error);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TokenTrace.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no TokenTrace.slnx above {AppContext.BaseDirectory}");
    }
}
