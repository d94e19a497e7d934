using TokenTrace.CodingAgents;

namespace TokenTrace.CodingAgents.Tests;

public sealed class GeminiCliReaderTests
{
    private static readonly GeminiCliReader Reader = new();

    [Fact]
    public void Reads_the_shared_recording_with_cached_inside_input_thoughts_outside_output_and_tool_prompt_as_input()
    {
        var path = SharedData.Find("gemini-cli/session-2026-11-02T09-14-3f9c2a1b.json");
        Assert.True(path is not null, "../shared/data/gemini-cli session sample is missing");

        var read = new AgentFileRead(path);
        Reader.Read(read);

        Assert.Equal(0, read.Skipped);
        Assert.Equal(4, read.Ignored); // two user turns, one info message, one gemini message whose tokens are not reported yet
        Assert.Equal(3, read.Records.Count);
        // tokens {input 18234, output 96, cached 0, thoughts 412}: output = candidates + thoughts.
        Assert.Equal(new TokenCounts { Input = 18234, Output = 508, Reasoning = 412 }, read.Records[0].Tokens);
        // {input 21950, cached 17920, output 388, thoughts 1210}: the cached part comes out of input.
        Assert.Equal(new TokenCounts { Input = 4030, CacheRead = 17920, Output = 1598, Reasoning = 1210 }, read.Records[1].Tokens);
        // {input 24410, cached 21504, output 1536, tool 128}: the tool-use prompt is input too.
        Assert.Equal(new TokenCounts { Input = 3034, CacheRead = 21504, Output = 1536, Extra = new Dictionary<string, long> { [ExtraCounts.ToolUsePrompt] = 128 } }, read.Records[2].Tokens);
        // Each record's total is the file's own "total" field: 18742, 23548, 26074.
        Assert.Equal([18742L, 23548L, 26074L], read.Records.Select(r => r.Tokens.Total));
        Assert.Equal(["gemini-2.5-pro", "gemini-2.5-pro", "gemini-2.5-flash"], read.Records.Select(r => r.Model));
        Assert.Equal("gemini:3f9c2a1b-8e7d-4c6b-a5f4-e3d2c1b0a9f8:0c3e2f49-7a4d-4b55-8a0e-5e2d4b1f9c02", read.Records[0].Id);
        Assert.Equal("gemini:5b9f3c0e8a1d", read.Records[0].Attribution.Project);
        Assert.All(read.Records, r => Assert.Equal(("google", UsageSources.GeminiCli), (r.Provider, r.Source)));
    }

    [Fact]
    public void A_file_caught_mid_rewrite_gives_nothing_this_time_and_the_project_root_file_names_the_project()
    {
        using var folder = new TempDirectory();
        var chats = Directory.CreateDirectory(Path.Combine(folder.Path, "tmp", "abc123", "chats")).FullName;
        File.WriteAllText(Path.Combine(folder.Path, "tmp", "abc123", ".project_root"), "/home/dev/site\n");
        var path = Path.Combine(chats, "session-1.json");
        const string whole = """{"sessionId":"s","messages":[{"id":"a","timestamp":"2026-11-02T09:14:19Z","type":"gemini","model":"gemini-2.5-pro","tokens":{"input":10,"output":5,"cached":0,"thoughts":0,"tool":0,"total":15}}]}""";
        File.WriteAllText(path, whole[..60]);

        var torn = new AgentFileRead(path);
        Reader.Read(torn);
        Assert.Empty(torn.Records);
        Assert.Equal(1, torn.Skipped);
        Assert.Equal(0, torn.EndOffset);

        File.WriteAllText(path, whole);
        var read = new AgentFileRead(path);
        Reader.Read(read);
        var record = Assert.Single(read.Records);
        Assert.Equal("/home/dev/site", record.Attribution.Project);
        Assert.Equal([path], Reader.FindFiles(Path.Combine(folder.Path, "tmp")));
        Assert.Equal([Path.Combine(folder.Path, "tmp")], Reader.FindRoots(new AgentEnvironment("/home/u", n => n == "GEMINI_DATA_DIR" ? folder.Path : null)));
    }
}
