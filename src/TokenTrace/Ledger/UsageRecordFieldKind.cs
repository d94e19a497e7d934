namespace TokenTrace;

/// <summary>How a field's text is written where the format distinguishes (unquoted in JSON for numbers and objects).</summary>
public enum UsageRecordFieldKind
{
    /// <summary>Text: quoted in JSON, neutralised against formula injection in CSV.</summary>
    String,

    /// <summary>A number in invariant form (<c>12</c>, <c>0.0045</c>, <c>1.5E-05</c>).</summary>
    Number,

    /// <summary>A JSON object (<c>tags</c>, <c>extra</c>).</summary>
    Object,
}
