using System.Collections.Concurrent;

namespace TokenTrace.Sqlite;

/// <summary>
/// The ids of values in <c>dims</c> that this process has already seen committed, so that an append looks a repeated
/// model, project or session up in memory instead of in the database. Shared by every connection of one ledger object.
/// </summary>
/// <remarks>
/// Only committed ids are kept: an append resolves new values inside its own transaction and publishes them after the
/// commit, so a rolled-back insert into <c>dims</c> never leaves a dangling id here. Ids in <c>dims</c> are never
/// reused while the file lives, but the file can be replaced by a restore: each write transaction first checks that
/// the last published id still names the same value, and forgets everything if not. The map is bounded
/// (<see cref="MaxValues"/>): sessions and tasks grow with the ledger, and a miss costs one indexed lookup.
/// </remarks>
internal sealed class SqliteValueDictionary
{
    private const int MaxValues = 100_000;
    private readonly ConcurrentDictionary<string, long> _ids = new(StringComparer.Ordinal);
    private volatile Probe? _last;

    /// <summary>The last published id and its value, which a write transaction checks before trusting the others; null when empty.</summary>
    public (long Id, string Value)? Last => _last is { } last ? (last.Id, last.Value) : null;

    /// <summary>The id of <paramref name="value"/> if it is known to be committed.</summary>
    public bool TryGet(string value, out long id) => _ids.TryGetValue(value, out id);

    /// <summary>Forgets every id: the database no longer has <see cref="Last"/> (it was replaced).</summary>
    public void Forget()
    {
        _last = null;
        _ids.Clear();
    }

    /// <summary>Adds ids that a committed transaction resolved.</summary>
    public void Publish(IReadOnlyDictionary<string, long> committed)
    {
        if (committed.Count == 0)
        {
            return;
        }

        if (_ids.Count + committed.Count > MaxValues)
        {
            _ids.Clear();
        }

        foreach (var (value, id) in committed)
        {
            _ids[value] = id;
            _last = new Probe(id, value);
        }
    }

    private sealed record Probe(long Id, string Value);
}
