using System.Security.Cryptography;
using System.Text;

namespace TokenTrace.Cli;

/// <summary>
/// A file name made from a session id, which comes from a hook's input and cannot be trusted to be one: only ASCII
/// letters, digits, <c>-</c> and <c>_</c> are kept (never a path separator, never a dot), the length is bounded,
/// and an id that had to be changed gets a hash of the original so that two different ids never share a file.
/// </summary>
internal static class SessionFileName
{
    private const int MaxLength = 100;

    public static string For(string sessionId)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        var kept = new StringBuilder(Math.Min(sessionId.Length, MaxLength));
        foreach (var c in sessionId)
        {
            kept.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        }

        var name = kept.ToString();
        if (name.Length > MaxLength)
        {
            name = name[..MaxLength];
        }

        if (name == sessionId && name.Length > 0)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sessionId)))[..12];
        return name.Length == 0 ? "session-" + hash : name + "-" + hash;
    }
}
