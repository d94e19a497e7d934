using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Sqlite.Tests;

public sealed class SqliteRecordInserterTests
{
    private static readonly UsageRecord EveryField = UsageLedgerContract.EveryField;

    [Fact]
    public async Task Tag_sets_written_once_per_append_are_only_shared_by_records_with_the_same_pairs()
    {
        IReadOnlyDictionary<string, string>[] tags =
        [
            new Dictionary<string, string> { ["team"] = "search", ["env"] = "prod" },
            new Dictionary<string, string> { ["env"] = "prod", ["team"] = "search" },
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Env"] = "prod", ["team"] = "search" },
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["env"] = "prod", ["TEAM"] = "search" },
            new Dictionary<string, string> { ["env"] = "Prod", ["team"] = "search" },
            new Dictionary<string, string> { ["env"] = "prod" },
            new Dictionary<string, string>(),
            new Dictionary<string, string> { ["env"] = "prod", ["team"] = "searc" },
            Enumerable.Range(0, SameTags.MaxCount + 1).ToDictionary(i => "k" + i, i => "v"),
            Enumerable.Range(0, SameTags.MaxCount + 1).ToDictionary(i => "k" + i, i => "w"),
        ];
        var records = tags.Select((t, i) => EveryField with { Id = "r" + i, Attribution = EveryField.Attribution with { Tags = t } }).ToList();
        using var temp = new TempDirectory();
        var ledger = new SqliteUsageLedger(temp.File("usage.db"));

        await ledger.AppendAsync(records);

        var read = await ledger.ReadAsync(UsageQuery.All).ToDictionaryAsync(r => r.Id);
        Assert.All(records, r => Assert.Equal(Pairs(r.Attribution.Tags), Pairs(read[r.Id].Attribution.Tags)));
    }

    [Fact]
    public void Tag_sets_are_the_same_only_with_ordinally_equal_pairs_whatever_the_dictionaries_compare()
    {
        var ignoreCase = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Env"] = "prod" };
        Assert.False(SameTags.Instance.Equals(ignoreCase, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["env"] = "prod" }));
        Assert.False(SameTags.Instance.Equals(ignoreCase, new Dictionary<string, string> { ["Env"] = "Prod" }));
        Assert.True(SameTags.Instance.Equals(ignoreCase, new Dictionary<string, string> { ["Env"] = "prod" }));
        var two = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" };
        var reversed = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" };
        Assert.True(SameTags.Instance.Equals(two, reversed));
        Assert.Equal(SameTags.Instance.GetHashCode(two), SameTags.Instance.GetHashCode(reversed));
    }

    [Fact]
    public async Task A_value_bound_for_one_record_never_carries_over_to_the_next()
    {
        // Parameters whose value equals the previous record's are not bound again: every change of a field, to null
        // and back, and from a long cost (kept as text) to a short one, must still reach its row.
        var bare = new UsageRecord { Id = "bare", Timestamp = EveryField.Timestamp, Model = EveryField.Model };
        UsageRecord[] records =
        [
            EveryField,
            bare,
            EveryField with { Id = "again" },
            EveryField with { Id = "changed", Tokens = EveryField.Tokens with { Input = 0, Extra = TokenCounts.Zero.Extra }, CostUsd = 0.5m, LatencyMs = null, Status = null },
            bare with { Id = "bare-2", CostUsd = 0.5m, LatencyMs = 1234.5 },
            EveryField with { Id = "last", Impact = null, Price = null, Region = null },
        ];
        using var temp = new TempDirectory();
        var ledger = new SqliteUsageLedger(temp.File("usage.db"));

        await ledger.AppendAsync(records);

        var read = await ledger.ReadAsync(UsageQuery.All).ToDictionaryAsync(r => r.Id);
        Assert.All(records, r => DeepAssert.Equal(r, read[r.Id]));
    }

    [Fact]
    public void Tag_sets_of_other_dictionary_types_are_the_same_as_plain_dictionaries_with_the_same_pairs()
    {
        // Plain dictionaries are compared through their own enumerators (no allocation); any other read-only
        // dictionary through the interface: both ways must agree, or equal tags would get two dims ids.
        var plain = new Dictionary<string, string> { ["env"] = "prod", ["team"] = "search" };
        var frozen = System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(new Dictionary<string, string> { ["team"] = "search", ["env"] = "prod" });
        var readOnly = new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(new Dictionary<string, string> { ["team"] = "search", ["env"] = "prod" });
        var other = new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(new Dictionary<string, string> { ["team"] = "search", ["env"] = "dev" });

        Assert.True(SameTags.Instance.Equals(plain, frozen));
        Assert.True(SameTags.Instance.Equals(frozen, plain));
        Assert.True(SameTags.Instance.Equals(readOnly, plain));
        Assert.False(SameTags.Instance.Equals(other, plain));
        Assert.False(SameTags.Instance.Equals(plain, other));
        Assert.Equal(SameTags.Instance.GetHashCode(plain), SameTags.Instance.GetHashCode(frozen));
        Assert.Equal(SameTags.Instance.GetHashCode(plain), SameTags.Instance.GetHashCode(readOnly));
    }

    [Fact]
    public async Task Text_longer_than_the_bind_buffer_and_not_ascii_is_stored_whole()
    {
        // Text is bound from a pinned buffer of 256 bytes that grows: an id and values well past it, in characters of
        // two and four UTF-8 bytes, must come back exactly, and so must a short one bound after them (same buffer).
        var wide = string.Concat(Enumerable.Repeat("é€😀", 200)); // 200 × (2 + 3 + 4) = 1,800 UTF-8 bytes
        UsageRecord[] records =
        [
            EveryField with { Id = "long-" + wide, Attribution = EveryField.Attribution with { Project = "p-" + wide, Tags = new Dictionary<string, string> { ["k"] = wide } } },
            EveryField with { Id = "short", Attribution = EveryField.Attribution with { Project = "p" } },
            EveryField with { Id = "cost", CostUsd = 0.1234567890123456789m },
        ];
        using var temp = new TempDirectory();
        var ledger = new SqliteUsageLedger(temp.File("usage.db"));

        await ledger.AppendAsync(records);

        var read = await ledger.ReadAsync(UsageQuery.All).ToDictionaryAsync(r => r.Id);
        Assert.Equal(3, read.Count);
        Assert.All(records, r => DeepAssert.Equal(r, read[r.Id]));
    }

    private static List<KeyValuePair<string, string>> Pairs(IReadOnlyDictionary<string, string> tags) =>
        tags.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
}
