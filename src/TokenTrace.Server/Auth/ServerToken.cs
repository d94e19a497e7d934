namespace TokenTrace.Server;

/// <summary>
/// One token the server accepts, as it is stored: the SHA-256 of the secret (never the secret), its name (the principal
/// stamped on the records it sends), its scope, and optional limits to one project or one device.
/// </summary>
/// <param name="Name">Who holds it (a machine, a service, a dashboard); stamped on records as the <c>principal</c> tag.</param>
/// <param name="Scope">Read or write.</param>
/// <param name="Sha256">The SHA-256 of the token's UTF-8 text, 32 bytes.</param>
/// <param name="Project">When set, the token only reads this project's usage, or only writes records of this project.</param>
/// <param name="Device">When set, a write token only sends as this device id.</param>
public sealed record ServerToken(string Name, ServerTokenScope Scope, ReadOnlyMemory<byte> Sha256, string? Project = null, string? Device = null);
