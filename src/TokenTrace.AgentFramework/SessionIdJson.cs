using System.Text.Json.Serialization;

namespace TokenTrace.AgentFramework;

/// <summary>Source-generated JSON for the session id kept in a session's state bag (trimming- and AOT-safe).</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class SessionIdJson : JsonSerializerContext;
