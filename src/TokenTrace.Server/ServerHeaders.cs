namespace TokenTrace.Server;

/// <summary>The headers and tag keys the server and the push client agree on.</summary>
public static class ServerHeaders
{
    /// <summary>
    /// The sending device: <c>ID;NAME</c> (the name percent-encoded). A write token limited to a device may only send as
    /// that device.
    /// </summary>
    public const string Device = "X-TokenTrace-Device";

    /// <summary>The tag each stored record gets with the sending device's id.</summary>
    public const string DeviceTag = "device";

    /// <summary>The tag each stored record gets with the sending device's name.</summary>
    public const string DeviceNameTag = "device.name";

    /// <summary>The tag each stored record gets with the name of the token it was sent with.</summary>
    public const string PrincipalTag = "principal";
}
