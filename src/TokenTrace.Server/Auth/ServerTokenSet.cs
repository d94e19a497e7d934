using System.Security.Cryptography;
using System.Text;

namespace TokenTrace.Server;

/// <summary>
/// The tokens a server accepts. A presented token is hashed and compared with every stored hash in constant time
/// (<see cref="CryptographicOperations.FixedTimeEquals"/>, and no early exit), so neither the timing of one comparison
/// nor the position of the match says anything about a secret.
/// </summary>
public sealed class ServerTokenSet
{
    private readonly ServerToken[] _tokens;

    /// <summary>A set of <paramref name="tokens"/>.</summary>
    /// <exception cref="ArgumentException">A hash is not 32 bytes, or two tokens share a name.</exception>
    public ServerTokenSet(IEnumerable<ServerToken> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        _tokens = [.. tokens];
        foreach (var token in _tokens)
        {
            if (token.Sha256.Length != SHA256.HashSizeInBytes)
            {
                throw new ArgumentException($"token '{token.Name}': the hash is not a SHA-256 (32 bytes)", nameof(tokens));
            }
        }

        if (_tokens.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"two tokens are named '{twice.Key}'", nameof(tokens));
        }
    }

    /// <summary>The tokens, as stored (hashes only).</summary>
    public IReadOnlyList<ServerToken> Tokens => _tokens;

    /// <summary>The token whose secret is <paramref name="secret"/>, or null.</summary>
    public ServerToken? Find(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), hash);
        ServerToken? found = null;
        foreach (var token in _tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, token.Sha256.Span))
            {
                found = token;
            }
        }

        return found;
    }

    /// <summary>The SHA-256 of <paramref name="secret"/>'s UTF-8 text, as stored.</summary>
    public static byte[] Hash(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return SHA256.HashData(Encoding.UTF8.GetBytes(secret));
    }

    /// <summary>A new secret: <c>tt_</c> and 32 random bytes in base64url (256 bits from the system's generator).</summary>
    public static string NewSecret() => "tt_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
