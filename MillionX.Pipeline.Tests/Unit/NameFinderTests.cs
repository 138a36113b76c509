using MillionX.Pipeline.Privacy;
using Xunit.Abstractions;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class NameFinderTests(ITestOutputHelper output)
{
    private static readonly PiiScrubber Scrubber = new(TestConfig.Hasher);

    [Theory]
    [InlineData("Panjabi for Nasrin Akter, House 12 Dhanmondi", "Panjabi for NAME_, House 12 Dhanmondi")]
    [InlineData("#RahimUddin er pochonder saree", "#NAME_ er pochonder saree")]
    [InlineData("Rahim bhai ki obostha?", "NAME_ bhai ki obostha?")]
    [InlineData("প্রাপক: মোঃ করিম উদ্দিন", "প্রাপক: NAME_")]
    [InlineData("call 01711-234567, Karim vai", "call PHONE_, NAME_ vai")]
    [InlineData("Mehedi design for Eid, 50 tk per hand", "Mehedi design for Eid, 50 tk per hand")]
    [InlineData("Rose gold watch for women", "Rose gold watch for women")]
    public void Scrub_NamesTheIssueNames_AreReplacedAndEverydayWordsKept(string text, string expected)
    {
        var scrubbed = Scrubber.Scrub(text);
        Assert.Equal(expected, System.Text.RegularExpressions.Regex.Replace(scrubbed, "(NAME|PHONE)_k1_[0-9a-f]{24}", "$1_"));
    }

    [Fact]
    public void Scrub_OneNameWrittenThreeWays_HashesAlike()
    {
        string Token(string text) => System.Text.RegularExpressions.Regex.Match(Scrubber.Scrub(text), "NAME_k1_[0-9a-f]{24}").Value;
        var plain = Token("Order for Rahim Uddin");
        Assert.NotEmpty(plain);
        Assert.Equal(plain, Token("#RahimUddin"));
        Assert.Equal(plain, Token("Md. Rahim Uddin er parcel"));
        Assert.Equal(plain, Token("rahim uddin bhai"));
        Assert.NotEqual(plain, Token("Order for Karim Uddin"));
    }

    [Fact]
    public void Find_LabelledSet_MeetsTheDocumentedRecallAndPrecision()
    {
        int expected = 0, caught = 0, partial = 0, spans = 0, wrong = 0;
        var misses = new List<string>();
        foreach (var line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Unit", "Data", "names-labelled.tsv")))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var parts = line.Split('\t');
            var text = parts[0];
            var names = parts[1].Split('|', StringSplitOptions.RemoveEmptyEntries);
            var found = NameFinder.Find(text);
            var truth = names.Select(n => (Start: text.IndexOf(n, StringComparison.Ordinal), n.Length)).ToList();
            Assert.All(truth, t => Assert.True(t.Start >= 0, $"label not in its text: {line}"));
            foreach (var (start, length) in truth)
            {
                expected++;
                var end = start + length;
                if (found.Any(f => f.Start <= start && f.End >= end))
                {
                    caught++;
                }
                else
                {
                    partial += found.Any(f => f.Start < end && start < f.End) ? 1 : 0;
                    misses.Add(text.Substring(start, length));
                }
            }

            foreach (var f in found)
            {
                spans++;
                if (!truth.Any(t => f.Start < t.Start + t.Length && t.Start < f.End))
                {
                    wrong++;
                    output.WriteLine($"false positive: '{text[f.Start..f.End]}' in: {text}");
                }
            }
        }

        var recall = (double)caught / expected;
        var precision = spans == 0 ? 1 : (double)(spans - wrong) / spans;
        output.WriteLine($"{expected} names: {caught} caught whole, {partial} in part, {expected - caught - partial} missed (recall {recall:P0}); {spans} spans found, {wrong} not names (precision {precision:P0})");
        output.WriteLine("not caught whole: " + string.Join(", ", misses));

        // The figures README Privacy states for this set; a change to the lexicon or the rules that lowers them fails here.
        Assert.True(recall >= 0.80, $"recall {recall:P1}");
        Assert.True(precision >= 0.95, $"precision {precision:P1}");
    }

    [Fact]
    public void Find_HasCandidate_IsFalseForTextWithNoLexiconWord() =>
        Assert.False(NameFinder.HasCandidate("Free delivery all over Bangladesh, 1,250 tk only"));

    /// <summary>The lexicon as built into the binary: (section, word) for every entry.</summary>
    private static IEnumerable<(string Section, string Word)> LexiconEntries()
    {
        using var stream = typeof(NameFinder).Assembly.GetManifestResourceStream("MillionX.Pipeline.Privacy.Data.names.txt")!;
        using var reader = new StreamReader(stream);
        var section = "";
        while (reader.ReadLine()?.Trim() is { } line)
        {
            if (line.StartsWith('['))
            {
                section = line;
            }
            else if (line.Length > 0 && line[0] != '#')
            {
                foreach (var word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    yield return (section, word);
                }
            }
        }
    }

    [Fact]
    public void HasCandidate_EveryLexiconNameAndTitle_InAnyCase_IsACandidate()
    {
        // Lookups skip ASCII words whose (length, first, last letter) no entry has: every entry must still be found,
        // written lower, upper, capitalised or with its case swapped.
        var entries = LexiconEntries().Where(e => e.Section is "[given]" or "[family]" or "[title]" or "[ambiguous]").ToList();
        Assert.True(entries.Count > 300, $"only {entries.Count} lexicon entries read");
        var missed = new List<string>();
        foreach (var (_, word) in entries)
        {
            string[] spellings = [word, word.ToLowerInvariant(), word.ToUpperInvariant(), char.ToUpperInvariant(word[0]) + word[1..].ToLowerInvariant(),
                string.Concat(word.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)))];
            missed.AddRange(spellings.Where(s => !NameFinder.HasCandidate($"order {s} today")));
        }

        Assert.Empty(missed);
    }

    /// <summary>Every cue of a lexicon section, in three casings, still marks the one name in a text (the cue in its place).</summary>
    [Theory]
    [InlineData("[before]", "Eid gift {0} Nasrin", "nasrin")]
    [InlineData("[after]", "Mehedi {0}, kemon achen?", "mehedi")]
    public void Find_EveryCue_InAnyCase_StillMarksTheName(string section, string template, string name)
    {
        var cues = LexiconEntries().Where(e => e.Section == section).Select(e => e.Word).ToList();
        Assert.NotEmpty(cues);
        foreach (var cue in cues)
        {
            foreach (var spelling in new[] { cue, cue.ToUpperInvariant(), char.ToUpperInvariant(cue[0]) + cue[1..] })
            {
                var found = NameFinder.Find(string.Format(CultureInfo.InvariantCulture, template, spelling));
                Assert.True(found.Count == 1 && found[0].Canonical == name, $"'{spelling}' ({section}) did not mark the name");
            }
        }
    }
}
