using System.Text;
using CsCheck;

namespace TokenTrace.CodingAgents.Tests;

/// <summary>
/// The cursor file, read in one pass: whatever it saves it loads back exactly, in any property order, and a damaged
/// file (cut anywhere) loads as no cursors — every history file read again, nothing stored twice — never as an error.
/// </summary>
public sealed class AgentCursorFileTests
{
    private static readonly Gen<string> Text = Gen.String[Gen.Char.AlphaNumeric, 0, 12]
        .Select(Gen.OneOf(Gen.Const(""), Gen.Const("/"), Gen.Const("\""), Gen.Const("\\"), Gen.Const("é"), Gen.Const("日本"), Gen.Const("\n"), Gen.Const(" ")), (a, b) => a + b);

    private static readonly Gen<AgentCursor> Cursor = Gen.Select(Gen.Long[-1, long.MaxValue], Gen.Long, Gen.Long[0, long.MaxValue], Gen.Long[0, 1_000_000], Text, Text.Null())
        .Select(t => new AgentCursor(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6));

    private static readonly Gen<Dictionary<string, AgentCursor>> Cursors = Gen.Dictionary(Text.Select(t => "/home/u/" + t + ".jsonl"), Cursor)[0, 20];

    [Fact]
    public void What_is_saved_loads_back_exactly()
    {
        using var home = new TempDirectory();
        Gen.Select(Cursors, Text.Null()).Sample((cursors, ledger) =>
        {
            var path = home.File(Guid.NewGuid().ToString("N") + ".json"); // CsCheck samples on several threads
            var saved = new AgentCursorFile { LedgerId = ledger };
            foreach (var (file, cursor) in cursors)
            {
                saved.Cursors[file] = cursor;
            }

            saved.Save(path);
            var loaded = AgentCursorFile.Load(path);
            Assert.Equal(ledger, loaded.LedgerId);
            Assert.Equal(cursors.OrderBy(p => p.Key, StringComparer.Ordinal), loaded.Cursors.OrderBy(p => p.Key, StringComparer.Ordinal));
        }, iter: 200);
    }

    [Fact]
    public void A_file_cut_anywhere_loads_as_no_cursors_never_as_an_error()
    {
        using var home = new TempDirectory();
        Gen.Select(Cursors, Gen.Double[0, 0.9999]).Sample((cursors, cut) =>
        {
            var path = home.File(Guid.NewGuid().ToString("N") + ".json"); // CsCheck samples on several threads
            var saved = new AgentCursorFile { LedgerId = "l" };
            foreach (var (file, cursor) in cursors)
            {
                saved.Cursors[file] = cursor;
            }

            saved.Save(path);
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..(int)(bytes.Length * cut)]);
            var loaded = AgentCursorFile.Load(path);

            // A JSON object cut short (by a byte or more) is never whole, so nothing of it is trusted.
            Assert.Empty(loaded.Cursors);
        }, iter: 200);
    }

    [Fact]
    public void Properties_in_another_order_and_unknown_ones_are_read_and_a_missing_one_or_another_version_is_damage()
    {
        using var home = new TempDirectory();
        var path = home.File("cursors.json");
        File.WriteAllText(path, """
            {"files":{"/a.jsonl":{"head":"h","extra":[1,{"x":2}],"line":4,"offset":3,"modified":2,"size":1}},"new":{},"ledger":"L","version":1}
            """, Encoding.UTF8);
        var loaded = AgentCursorFile.Load(path);
        Assert.Equal("L", loaded.LedgerId);
        Assert.Equal(new AgentCursor(1, 2, 3, 4, "h", null), loaded.Cursors["/a.jsonl"]);

        File.WriteAllText(path, """{"version":1,"ledger":"L","files":{"/a.jsonl":{"size":1,"modified":2,"offset":3,"head":"h"}}}""");
        Assert.Empty(AgentCursorFile.Load(path).Cursors); // no "line"

        File.WriteAllText(path, """{"version":2,"ledger":"L","files":{"/a.jsonl":{"size":1,"modified":2,"offset":3,"line":4,"head":"h"}}}""");
        Assert.Empty(AgentCursorFile.Load(path).Cursors);
    }
}
