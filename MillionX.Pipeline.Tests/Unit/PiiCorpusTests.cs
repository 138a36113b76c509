using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MillionX.Pipeline.Privacy;
using Xunit.Abstractions;

namespace MillionX.Pipeline.Tests.Unit;

/// <summary>
/// Two fixed corpora under <c>Unit/Data</c>: personal data in every evasive form the scrubber must catch
/// (<c>pii-positives.tsv</c>), and commerce texts full of prices, dates, ids and '@' rates that it must leave alone
/// (<c>pii-false-positives.txt</c>). Both print their measured counts.
/// </summary>
public sealed partial class PiiCorpusTests(ITestOutputHelper output)
{
    private static readonly PiiHasher Hasher = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray(), "k1");
    private static readonly PiiScrubber Scrubber = new(Hasher);

    [GeneratedRegex(@"(?:PHONE|EMAIL|USER)_k1_[0-9a-f]{24}")]
    private static partial Regex Token();

    [GeneratedRegex(@"\\u\{([0-9A-Fa-f]{4,6})\}")]
    private static partial Regex Escape();

    private static IEnumerable<string> Lines(string file) =>
        File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Unit", "Data", file), Encoding.UTF8)
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => Escape().Replace(l, m => char.ConvertFromUtf32(int.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture))));

    [Fact]
    public void Scrub_FalsePositiveCorpus_EveryTextUnchanged()
    {
        var texts = Lines("pii-false-positives.txt").ToList();
        var changed = texts.Select(t => (Text: t, Scrubbed: Scrubber.Scrub(t))).Where(x => x.Scrubbed != x.Text).ToList();
        output.WriteLine($"false positives: {changed.Count} of {texts.Count} texts changed");
        Assert.True(texts.Count >= 40, $"{texts.Count} texts");
        Assert.True(changed.Count == 0, string.Join('\n', changed.Select(x => $"{x.Text}\n  -> {x.Scrubbed}")));
    }

    [Fact]
    public void Scrub_PositiveCorpus_EveryValueTokenisedAndNoneOfItsDigitsOrNameSurvive()
    {
        var cases = Lines("pii-positives.tsv").Select(l => l.Split('\t')).ToList();
        var misses = new List<string>();
        foreach (var kind in new[] { "phone", "email", "user" })
        {
            var ofKind = cases.Where(c => c[0] == kind).ToList();
            var found = 0;
            foreach (var c in ofKind)
            {
                var (expected, text) = (c[1], c[2]);
                var scrubbed = Scrubber.Scrub(text);
                var token = kind switch
                {
                    "phone" => "PHONE_" + Hasher.HashPhone("880" + expected[1..]),
                    "email" => "EMAIL_" + Hasher.HashEmail(expected),
                    _ => "USER_" + Hasher.HashUser(expected),
                };
                var rest = Token().Replace(scrubbed, " ");
                var leaked = kind == "phone"
                    ? AsciiDigitsOnly(rest).Contains(expected[2..], StringComparison.Ordinal) // the nine subscriber digits, any script
                    : PiiHasher.NormaliseUsername(rest).Contains(expected.Split('@')[0], StringComparison.Ordinal);
                if (scrubbed.Contains(token, StringComparison.Ordinal) && !leaked)
                {
                    found++;
                }
                else
                {
                    misses.Add($"{kind}: {text}\n  -> {scrubbed}");
                }
            }

            output.WriteLine($"{kind}: {found} of {ofKind.Count} found");
        }

        Assert.True(cases.Count(c => c[0] == "phone") >= 40, "phone cases");
        Assert.True(misses.Count == 0, $"{misses.Count} missed:\n" + string.Join('\n', misses));
    }

    /// <summary>Decimal digits of any script, astral ones included, as ASCII; everything else dropped.</summary>
    private static string AsciiDigitsOnly(string s)
    {
        var sb = new StringBuilder();
        foreach (var r in s.EnumerateRunes())
        {
            if (Rune.IsDigit(r))
            {
                sb.Append((char)('0' + (int)Rune.GetNumericValue(r)));
            }
        }

        return sb.ToString();
    }
}
