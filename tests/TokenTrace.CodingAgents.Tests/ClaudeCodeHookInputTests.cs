using System.Text;

namespace TokenTrace.CodingAgents.Tests;

public sealed class ClaudeCodeHookInputTests
{
    [Theory]
    [InlineData("session-start.json", "SessionStart", "startup")]
    [InlineData("user-prompt-submit.json", "UserPromptSubmit", null)]
    [InlineData("stop.json", "Stop", null)]
    [InlineData("subagent-stop.json", "SubagentStop", null)]
    [InlineData("session-end.json", "SessionEnd", "prompt_input_exit")]
    public void Each_sample_event_reads_its_session_transcript_folder_and_detail(string sample, string eventName, string? detail)
    {
        var path = SharedData.Find("claude-code/hooks/" + sample);
        Assert.True(path is not null, $"../shared/data/claude-code/hooks/{sample} is missing");

        var input = ClaudeCodeHookInput.Parse(File.ReadAllBytes(path));

        Assert.Equal(
            (eventName, "session-alpha", "/home/dev/.claude/projects/-home-dev-app/session-alpha.jsonl", "/home/dev/app", detail),
            (input.EventName, input.SessionId, input.TranscriptPath, input.Cwd, input.Detail));
    }

    [Theory]
    [InlineData("{\"session_id\":\"s\"}", "field 'hook_event_name' is missing")]
    [InlineData("{\"hook_event_name\":\"Stop\",\"session_id\":\"  \"}", "field 'session_id' is missing")]
    [InlineData("{\"hook_event_name\":\"Stop\",\"session_id\":\"s\",\"cwd\":[]}", "field 'cwd' is array, expected a string")]
    [InlineData("\"Stop\"", "expected a JSON object, found string")]
    [InlineData("{\"hook_event_name\":", "not valid JSON")]
    public void Input_that_is_not_a_hook_input_is_a_format_error_naming_the_field(string json, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ClaudeCodeHookInput.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_fields_and_a_null_transcript_are_accepted()
    {
        var input = ClaudeCodeHookInput.Parse("""{"hook_event_name":"Stop","session_id":"s","transcript_path":null,"stop_hook_active":true,"new_field":{"a":1}}"""u8);

        Assert.Equal(("Stop", "s", null, null), (input.EventName, input.SessionId, input.TranscriptPath, input.Cwd));
    }
}
