using System.Globalization;
using System.Text;
using CsCheck;
using Npgsql;

namespace TokenTrace.PostgreSql.Tests;

/// <summary>
/// The ledger's displayed spec (its <see cref="IUsageLedger.Spec"/>, and the URL in error messages) never holds a
/// password, under any keyword Npgsql reads as one, and leaves out the ledger's own options so that tuning them keeps the
/// spec (the sync's cursor file is named after it). No server: the URL is only parsed.
/// </summary>
public sealed class PostgreSqlConnectionSpecTests
{
    /// <summary>The keywords Npgsql reads as a password (the connection's, or the client certificate key's).</summary>
    private static readonly string[] PasswordKeys = ["password", "pwd", "psw", "ssl password", "sslpassword"];

    /// <summary>Other options, with whole-number values: Npgsql's, and the ledger's own.</summary>
    private static readonly string[] OtherKeys = ["timeout", "keepalive", "command%20timeout", "fold_after", "summary_fold_after"];

    /// <summary>
    /// <paramref name="key"/> as a URL might spell it: each character in either case, and percent-encoded (either hex case)
    /// or not; a space always encoded, as <c>%20</c> or <c>+</c>.
    /// </summary>
    private static Gen<string> Spelled(string key) =>
        Gen.Select(Gen.Bool.Array[key.Length], Gen.Bool.Array[key.Length], Gen.Bool.Array[key.Length]).Select((upper, encode, lowerHex) =>
        {
            var text = new StringBuilder();
            for (var i = 0; i < key.Length; i++)
            {
                var c = upper[i] ? char.ToUpperInvariant(key[i]) : key[i];
                if (c == ' ')
                {
                    text.Append(encode[i] ? "%20" : "+");
                }
                else if (encode[i])
                {
                    var hex = ((int)c).ToString("X2", CultureInfo.InvariantCulture);
                    text.Append('%').Append(lowerHex[i] ? hex.ToLowerInvariant() : hex);
                }
                else
                {
                    text.Append(c);
                }
            }

            return text.ToString();
        });

    [Fact]
    public void The_displayed_spec_never_holds_the_password_whatever_the_keyword_case_or_encoding()
    {
        // The password: "PW_" and letters, which no other part of the URL holds (other values are digits, hosts lower case).
        var password = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"], 6, 12].Select(s => "PW_" + s);
        var passwordKey = Gen.Int[0, PasswordKeys.Length - 1].SelectMany(i => Spelled(PasswordKeys[i]));
        var other = Gen.Select(Gen.Int[0, OtherKeys.Length - 1], Gen.Int[1, 99])
            .Select((key, value) => OtherKeys[key] + "=" + value.ToString(CultureInfo.InvariantCulture));
        var url = Gen.Select(password, passwordKey, other.Array[0, 4], Gen.Int[0, 4], Gen.Bool).Select((secret, key, others, at, inUserPart) =>
        {
            var pairs = others.ToList();
            pairs.Insert(Math.Min(at, pairs.Count), key + "=" + secret);
            var user = inUserPart ? "tokentrace:" + secret : "tokentrace";
            return (Secret: secret, Url: $"postgres://{user}@db.example:5432/tokentrace?{string.Join('&', pairs)}");
        });

        url.Sample(generated =>
        {
            var (connectionString, display, _, _) = PostgreSqlConnectionSpec.Parse(generated.Url);

            // The key really is a password to Npgsql (so the property is about a secret it would send), and it is not shown.
            var read = new NpgsqlConnectionStringBuilder(connectionString);
            Assert.Contains(generated.Secret, new[] { read.Password, read.SslPassword });
            Assert.DoesNotContain(generated.Secret, display, StringComparison.Ordinal);
            Assert.DoesNotContain(generated.Secret, PostgreSqlConnectionSpec.Redact(generated.Url), StringComparison.Ordinal);
            Assert.StartsWith("postgres://tokentrace@db.example:5432/tokentrace", display, StringComparison.Ordinal);
        }, iter: 500, print: g => g.Url);
    }

    [Fact]
    public void A_percent_encoded_password_keyword_is_read_as_the_password_and_left_out_of_the_spec()
    {
        // "pass%77ord" decodes to "password": read as the password, and left out of the spec.
        var (connectionString, display, _, _) = PostgreSqlConnectionSpec.Parse("postgres://u@localhost/db?pass%77ord=PW_hidden&timeout=10");
        Assert.Equal("PW_hidden", new NpgsqlConnectionStringBuilder(connectionString).Password);
        Assert.Equal("postgres://u@localhost/db?timeout=10", display);

        // A mistyped keyword is refused, naming it, without repeating its value (it may be the password).
        var typo = Assert.Throws<FormatException>(() => PostgreSqlConnectionSpec.Parse("postgres://u@localhost/db?passwrd=PW_typo"));
        Assert.Contains("'passwrd'", typo.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PW_typo", typo.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_ledgers_own_options_leave_its_spec_unchanged()
    {
        await using var plain = new PostgreSqlUsageLedger("postgres://tokentrace@db.example/tokentrace");
        await using var folded = new PostgreSqlUsageLedger("postgres://tokentrace@db.example/tokentrace?fold_after=5");
        await using var both = new PostgreSqlUsageLedger("postgres://tokentrace@db.example/tokentrace?fold_after=5&SUMMARY_FOLD_AFTER=7");
        Assert.Equal("postgres://tokentrace@db.example/tokentrace", plain.Spec);
        Assert.Equal(plain.Spec, folded.Spec);
        Assert.Equal(plain.Spec, both.Spec);

        // Npgsql's options stay (they name a different connection); the ledger's are still read.
        var (_, display, foldAfter, summaryFoldAfter) = PostgreSqlConnectionSpec.Parse("postgres://tokentrace@db.example/tokentrace?timeout=10&fold_after=5&summary_fold_after=7");
        Assert.Equal("postgres://tokentrace@db.example/tokentrace?timeout=10", display);
        Assert.Equal((5L, 7L), (foldAfter, summaryFoldAfter));
    }
}
