using System.CommandLine;

namespace TokenTrace.Cli;

/// <summary>Filters on attribution, model, provider, source and tags, shared by the commands that read usage.</summary>
internal sealed class FilterOptions
{
    private readonly Option<string?> _model = new("--model") { Description = "Only this model (exact name).", HelpName = "M" };
    private readonly Option<string?> _provider = new("--provider") { Description = "Only this provider.", HelpName = "P" };
    private readonly Option<string?> _project = new("--project") { Description = "Only this project.", HelpName = "X" };
    private readonly Option<string?> _job = new("--job") { Description = "Only this job.", HelpName = "X" };
    private readonly Option<string?> _task = new("--task") { Description = "Only this task.", HelpName = "X" };
    private readonly Option<string?> _agent = new("--agent") { Description = "Only this agent.", HelpName = "X" };
    private readonly Option<string?> _session = new("--session") { Description = "Only this session.", HelpName = "X" };
    private readonly Option<string?> _user = new("--user") { Description = "Only this user.", HelpName = "X" };
    private readonly Option<string?> _source = new("--source") { Description = "Only records from this source (sdk, cli, claude-code…).", HelpName = "S" };
    private readonly Option<string[]> _tags = new("--tag") { Description = "Only records with this tag (repeatable).", HelpName = "K=V", AllowMultipleArgumentsPerToken = false };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _model, _provider, _project, _job, _task, _agent, _session, _user, _source, _tags })
        {
            command.Options.Add(option);
        }
    }

    public UsageQuery Read(ParseResult parse) => new()
    {
        Model = parse.GetValue(_model),
        Provider = parse.GetValue(_provider),
        Project = parse.GetValue(_project),
        Job = parse.GetValue(_job),
        Task = parse.GetValue(_task),
        Agent = parse.GetValue(_agent),
        Session = parse.GetValue(_session),
        User = parse.GetValue(_user),
        Source = parse.GetValue(_source),
        Tags = Tags.Parse(parse.GetValue(_tags), "--tag"),
    };
}
