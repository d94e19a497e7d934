using System.Collections;
using System.Reflection;

namespace TokenTrace.Tests;

/// <summary>
/// Compares two values property by property, recursing into nested records and dictionaries, so that a field added
/// to a type is compared as soon as it exists — unlike a hand-written <c>Equals</c> or a list of asserts that has to
/// be remembered.
/// </summary>
public static class DeepAssert
{
    /// <summary>
    /// Asserts that <paramref name="expected"/> and <paramref name="actual"/> have the same value in every public
    /// property, at every depth. Doubles may differ by <paramref name="relativeTolerance"/> of their size (0: exactly).
    /// </summary>
    public static void Equal(object? expected, object? actual, double relativeTolerance = 0, string path = "")
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{Name(path)}: expected {Show(expected)}, got {Show(actual)}");
            return;
        }

        var type = expected.GetType();
        Assert.True(type == actual.GetType(), $"{Name(path)}: expected a {type.Name}, got a {actual.GetType().Name}");
        switch (expected)
        {
            case double e:
                var a = (double)actual;
                var allowed = relativeTolerance * Math.Max(Math.Abs(e), Math.Abs(a));
                Assert.True(e.Equals(a) || Math.Abs(e - a) <= allowed, $"{Name(path)}: expected {e:R}, got {a:R}");
                return;
            case string or decimal or long or int or bool or DateTimeOffset or DateOnly or Enum:
                // decimal.Equals ignores trailing zeros (1.50 == 1.5): the ledgers keep the value, not its scale.
                Assert.True(expected.Equals(actual), $"{Name(path)}: expected {Show(expected)}, got {Show(actual)}");
                return;
            case IDictionary or IEnumerable when !IsDictionary(type):
                throw new NotSupportedException($"{Name(path)}: DeepAssert does not compare sequences of {type.Name}");
        }

        if (IsDictionary(type))
        {
            var left = ToDictionary(expected);
            var right = ToDictionary(actual);
            Assert.True(
                left.Keys.Order(StringComparer.Ordinal).SequenceEqual(right.Keys.Order(StringComparer.Ordinal)),
                $"{Name(path)}: expected keys [{string.Join(", ", left.Keys)}], got [{string.Join(", ", right.Keys)}]");
            foreach (var (key, value) in left)
            {
                Equal(value, right[key], relativeTolerance, $"{path}[{key}]");
            }

            return;
        }

        var properties = PropertiesOf(type);
        Assert.True(properties.Count > 0, $"{Name(path)}: {type.Name} has no public properties to compare");
        foreach (var property in properties)
        {
            Equal(property.GetValue(expected), property.GetValue(actual), relativeTolerance, path.Length == 0 ? property.Name : $"{path}.{property.Name}");
        }
    }

    /// <summary>The paths of every value <see cref="Equal"/> compares in <paramref name="value"/>, with the value found there.</summary>
    public static IEnumerable<(string Path, object? Value)> Leaves(object? value, string path = "")
    {
        if (value is null || value is string or decimal or long or int or double or bool or DateTimeOffset or DateOnly or Enum || IsDictionary(value.GetType()))
        {
            yield return (path, value);
            yield break;
        }

        foreach (var property in PropertiesOf(value.GetType()))
        {
            foreach (var leaf in Leaves(property.GetValue(value), path.Length == 0 ? property.Name : $"{path}.{property.Name}"))
            {
                yield return leaf;
            }
        }
    }

    private static List<PropertyInfo> PropertiesOf(Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is not null)];

    private static bool IsDictionary(Type type) =>
        type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>));

    private static Dictionary<string, object?> ToDictionary(object dictionary)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var entry in (IEnumerable)dictionary)
        {
            var entryType = entry.GetType();
            var key = (string)entryType.GetProperty("Key")!.GetValue(entry)!;
            result[key] = entryType.GetProperty("Value")!.GetValue(entry);
        }

        return result;
    }

    private static string Name(string path) => path.Length == 0 ? "value" : path;

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        _ => value.ToString() ?? "",
    };
}
