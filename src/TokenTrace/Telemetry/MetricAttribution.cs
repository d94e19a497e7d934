namespace TokenTrace;

/// <summary>
/// The attribution fields put on the <c>tokentrace.usage.*</c> metrics as <c>tokentrace.project</c>,
/// <c>tokentrace.job</c>… Every value of a chosen field becomes its own time series, so only fields with few
/// distinct values belong here; spans carry every field regardless.
/// </summary>
[Flags]
public enum MetricAttribution
{
    /// <summary>No attribution on metrics.</summary>
    None = 0,

    /// <summary><see cref="Attribution.Project"/> as <c>tokentrace.project</c> (on by default).</summary>
    Project = 1,

    /// <summary><see cref="Attribution.Job"/> as <c>tokentrace.job</c>.</summary>
    Job = 2,

    /// <summary><see cref="Attribution.Task"/> as <c>tokentrace.task</c>.</summary>
    Task = 4,

    /// <summary><see cref="Attribution.Agent"/> as <c>tokentrace.agent</c> (on by default).</summary>
    Agent = 8,

    /// <summary><see cref="Attribution.Session"/> as <c>tokentrace.session</c>.</summary>
    Session = 16,

    /// <summary><see cref="Attribution.User"/> as <c>tokentrace.user</c>.</summary>
    User = 32,
}
