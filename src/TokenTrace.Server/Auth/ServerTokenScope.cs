namespace TokenTrace.Server;

/// <summary>What a server token may do: send records, or read summaries, budgets and metrics. Neither implies the other.</summary>
public enum ServerTokenScope
{
    /// <summary>Read summaries, budgets and metrics.</summary>
    Read,

    /// <summary>Send records (<c>POST /v1/records</c>) and reserve or settle budget room (<c>POST /v1/budgets/reserve</c>, <c>/settle</c>).</summary>
    Write,
}
