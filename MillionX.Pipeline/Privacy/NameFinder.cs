using System.Buffers;
using System.Collections.Frozen;

namespace MillionX.Pipeline.Privacy;

/// <summary>
/// Finds people's names in free text with a lexicon of common Bangladeshi given names, family names and titles (Latin
/// and Bengali script, <c>Privacy/Data/names.txt</c>) and the words around a name that say it is one. Pure.
/// </summary>
/// <remarks>
/// A name is a run of lexicon words (joined by a space, '.', '_' or '-') that is one of:
/// <list type="bullet">
/// <item>two or more names, one of them a given name and one not an everyday word: "Nasrin Akter", "rahim uddin",
/// "Mehedi Hasan", "রহিম উদ্দিন";</item>
/// <item>a title with a name: "Md. Karim", "মোঃ রহিম";</item>
/// <item>one name after a cue such as "for", "Mr", "name:", "প্রাপক" ("Panjabi for Nasrin"), or before a form of
/// address such as "bhai", "apa", "vai", "ভাই", "আপু" ("Rahim bhai");</item>
/// <item>a CamelCase word made only of names, as in a hashtag: "#RahimUddin";</item>
/// <item>a capitalised word the lexicon does not know right before a family name: "Ishmam Hossain".</item>
/// </list>
/// Words that are also everyday words (mehedi = henna, mukta = pearl, puja) count only beside another name, after a
/// title, or before a form of address. A name outside the lexicon, or a lone name with no cue ("Rahim said"), is not
/// found: this is a lexicon, not a language model; the README says what it catches.
/// </remarks>
public static class NameFinder
{
    [Flags]
    private enum Word : byte
    {
        None = 0,
        Given = 1,
        Family = 2,
        Title = 4,
        CueBefore = 8,
        CueAfter = 16,
        Ambiguous = 32,
        Name = Given | Family,
    }

    private readonly record struct Token(int Start, int End, Word Kind);

    public readonly record struct NameSpan(int Start, int End, string Canonical);

    private static readonly FrozenDictionary<string, Word> Lexicon = Load();

    private static readonly FrozenDictionary<string, Word>.AlternateLookup<ReadOnlySpan<char>> ByWord =
        Lexicon.GetAlternateLookup<ReadOnlySpan<char>>();

    private const int MaxWord = 24;

    /// <summary>Whether <paramref name="s"/> has any lexicon name or title at all (one lookup per word, no allocation).</summary>
    public static bool HasCandidate(ReadOnlySpan<char> s)
    {
        var i = 0;
        while (NextWord(s, ref i, out var start, out var end))
        {
            if (end - start <= MaxWord && (Lookup(s[start..end]) & (Word.Name | Word.Title)) != 0)
            {
                return true;
            }

            if (end - start > 3 && IsCamelCase(s[start..end]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The names in <paramref name="s"/>, in order, each with a canonical form to hash (lower case, titles left out).</summary>
    public static List<NameSpan> Find(ReadOnlySpan<char> s)
    {
        var found = new List<NameSpan>();
        var tokens = new List<Token>();
        var i = 0;
        while (NextWord(s, ref i, out var start, out var end))
        {
            var kind = end - start <= MaxWord ? Lookup(s[start..end]) : Word.None;
            if (kind == Word.None && end - start > 3 && CamelName(s[start..end]) is { } camel)
            {
                found.Add(new(start, end, camel));
                continue;
            }

            tokens.Add(new(start, end, kind));
        }

        // A capitalised word the lexicon does not know, right before a family name, is taken as a given name:
        // "Ishmam Hossain", "Prottoy Das". The family names anchor the many given names no lexicon lists.
        for (var k = 1; k < tokens.Count; k++)
        {
            if ((tokens[k].Kind & Word.Family) != 0 && (tokens[k].Kind & Word.Ambiguous) == 0 && tokens[k - 1].Kind == Word.None
                && tokens[k].Start - tokens[k - 1].End == 1 && s[tokens[k - 1].End] == ' '
                && tokens[k - 1].End - tokens[k - 1].Start >= 3 && char.IsAsciiLetterUpper(s[tokens[k - 1].Start]))
            {
                tokens[k - 1] = tokens[k - 1] with { Kind = Word.Given };
            }
        }

        for (var t = 0; t < tokens.Count; t++)
        {
            if ((tokens[t].Kind & (Word.Name | Word.Title)) == 0)
            {
                continue;
            }

            // The run of names and titles from here, joined by short separators.
            var last = t;
            while (last + 1 < tokens.Count && (tokens[last + 1].Kind & (Word.Name | Word.Title)) != 0 && Joined(s, tokens[last].End, tokens[last + 1].Start))
            {
                last++;
            }

            // A title at the end of a run is not part of the name ("Rahim, Md" is rare; "... for Md" is noise).
            while (last > t && (tokens[last].Kind & Word.Name) == 0)
            {
                last--;
            }

            int names = 0, given = 0, firm = 0;
            var title = false;
            for (var k = t; k <= last; k++)
            {
                var kind = tokens[k].Kind;
                title |= (kind & Word.Title) != 0 && (kind & Word.Name) == 0;
                if ((kind & Word.Name) != 0)
                {
                    names++;
                    firm += (kind & Word.Ambiguous) == 0 ? 1 : 0;
                    given += (kind & Word.Given) != 0 ? 1 : 0;
                }
            }

            var cueBefore = t > 0 && (tokens[t - 1].Kind & Word.CueBefore) != 0 && Near(s, tokens[t - 1].End, tokens[t].Start);
            var cueAfter = last + 1 < tokens.Count && (tokens[last + 1].Kind & Word.CueAfter) != 0 && Near(s, tokens[last].End, tokens[last + 1].Start);
            var isName = names > 0 && (
                (names >= 2 && given > 0 && firm > 0)
                || title
                || cueAfter
                || (cueBefore && firm > 0));
            if (isName)
            {
                found.Add(new(tokens[t].Start, tokens[last].End, Canonical(s, tokens, t, last)));
            }

            t = last;
        }

        if (found.Count > 1)
        {
            found.Sort((a, b) => a.Start.CompareTo(b.Start));
        }

        return found;
    }

    private static Word Lookup(ReadOnlySpan<char> word)
    {
        // Most words of a text are no lexicon word. For ASCII ones a bit per (length, first letter, last letter) of the
        // lexicon says so without hashing the word case-insensitively: the lookup measured ~60% of HasCandidate.
        if (!word.ContainsAnyExcept(AsciiLetters) && !AsciiShapes.MayContain(word))
        {
            return Word.None;
        }

        return ByWord.TryGetValue(word, out var kind) ? kind : Word.None;
    }

    private static readonly WordShapes AsciiShapes = new(Lexicon.Keys);

    private static readonly SearchValues<char> AsciiLetters = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>
    /// The (length, first, last letter) of every ASCII lexicon entry: an ASCII word of another shape equals none of
    /// them ignoring case. The other entries are in scripts without case (Bengali), which no ASCII word equals.
    /// </summary>
    private sealed class WordShapes
    {
        private const int Letters = 26;
        private readonly ulong[] _bits = new ulong[((MaxWord + 1) * Letters * Letters / 64) + 1];

        public WordShapes(IEnumerable<string> words)
        {
            foreach (var word in words)
            {
                if (word.Length is > 0 and <= MaxWord && word.All(char.IsAsciiLetter))
                {
                    Set(Index(word.Length, char.ToUpperInvariant(word[0]), char.ToUpperInvariant(word[^1])));
                }
                else if (word.Any(c => c > '\u007F' && (char.IsUpper(c) || char.IsLower(c))))
                {
                    // A cased non-ASCII letter (ı, ſ...) might equal an ASCII one ignoring case: no shortcut then.
                    _exact = false;
                }
            }
        }

        private readonly bool _exact = true;

        /// <summary>False when no entry has the shape of <paramref name="word"/>, a word of ASCII letters only.</summary>
        public bool MayContain(ReadOnlySpan<char> word)
        {
            if (!_exact || word.Length is 0 or > MaxWord)
            {
                return true;
            }

            var i = Index(word.Length, (char)(word[0] & ~0x20), (char)(word[^1] & ~0x20));
            return (_bits[i >> 6] & (1UL << (i & 63))) != 0;
        }

        private static int Index(int length, char first, char last) => (((length * Letters) + (first - 'A')) * Letters) + (last - 'A');

        private void Set(int i) => _bits[i >> 6] |= 1UL << (i & 63);
    }

    /// <summary>The next run of letters and combining marks (Bengali vowel signs are marks) from <paramref name="i"/>.</summary>
    private static bool NextWord(ReadOnlySpan<char> s, ref int i, out int start, out int end)
    {
        while (i < s.Length && !IsWordChar(s[i]))
        {
            i++;
        }

        start = i;
        while (i < s.Length && IsWordChar(s[i]))
        {
            i++;
        }

        end = i;
        return end > start;
    }

    private static bool IsWordChar(char c) =>
        c < 0x80 ? char.IsAsciiLetter(c) : char.GetUnicodeCategory(c) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.OtherLetter or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;

    /// <summary>Two words of one name: at most two of space, '.', '_', '-' between them ("Md. Rahim", "rahim_uddin").</summary>
    private static bool Joined(ReadOnlySpan<char> s, int end, int next) =>
        next - end is >= 1 and <= 2 && !s[end..next].ContainsAnyExcept(" ._-");

    /// <summary>A cue beside a name: white space and at most one ':' or ',' between ("name: Rahim", "for Nasrin").</summary>
    private static bool Near(ReadOnlySpan<char> s, int end, int next) =>
        next - end is >= 1 and <= 3 && !s[end..next].ContainsAnyExcept(" :,.");

    private static bool IsCamelCase(ReadOnlySpan<char> word)
    {
        if (!char.IsAsciiLetterUpper(word[0]))
        {
            return false;
        }

        for (var i = 1; i < word.Length; i++)
        {
            if (char.IsAsciiLetterUpper(word[i]) && char.IsAsciiLetterLower(word[i - 1]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>"RahimUddin" (two or more lexicon names, as for a run of words) as "rahim uddin"; otherwise null.</summary>
    private static string? CamelName(ReadOnlySpan<char> word)
    {
        if (!IsCamelCase(word))
        {
            return null;
        }

        Span<Range> parts = stackalloc Range[6];
        var count = 0;
        var from = 0;
        for (var i = 1; i <= word.Length; i++)
        {
            if (i == word.Length || (char.IsAsciiLetterUpper(word[i]) && char.IsAsciiLetterLower(word[i - 1])))
            {
                if (count == parts.Length)
                {
                    return null;
                }

                parts[count++] = from..i;
                from = i;
            }
        }

        bool given = false, firm = false;
        var names = new List<string>(count);
        foreach (var part in parts[..count])
        {
            var kind = Lookup(word[part]);
            if ((kind & Word.Name) == 0)
            {
                if ((kind & Word.Title) != 0)
                {
                    continue;
                }

                return null;
            }

            given |= (kind & Word.Given) != 0;
            firm |= (kind & Word.Ambiguous) == 0;
            names.Add(word[part].ToString().ToLowerInvariant());
        }

        return given && firm && names.Count >= 2 ? string.Join(' ', names) : null;
    }

    private static string Canonical(ReadOnlySpan<char> s, List<Token> tokens, int first, int last)
    {
        var parts = new List<string>(last - first + 1);
        for (var k = first; k <= last; k++)
        {
            if ((tokens[k].Kind & Word.Name) != 0)
            {
                parts.Add(s[tokens[k].Start..tokens[k].End].ToString().ToLowerInvariant());
            }
        }

        return string.Join(' ', parts);
    }

    private static FrozenDictionary<string, Word> Load()
    {
        const string resource = "MillionX.Pipeline.Privacy.Data.names.txt";
        using var stream = typeof(NameFinder).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The name lexicon {resource} is missing from the build.");
        using var reader = new StreamReader(stream);
        var words = new Dictionary<string, Word>(StringComparer.OrdinalIgnoreCase);
        var section = Word.None;
        while (reader.ReadLine() is { } line)
        {
            line = line.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line[0] == '[')
            {
                section = line switch
                {
                    "[given]" => Word.Given,
                    "[family]" => Word.Family,
                    "[title]" => Word.Title,
                    "[before]" => Word.CueBefore,
                    "[after]" => Word.CueAfter,
                    "[ambiguous]" => Word.Ambiguous | Word.Given,
                    _ => throw new InvalidOperationException($"Unknown section {line} in {resource}."),
                };
                continue;
            }

            foreach (var word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                words[word] = words.GetValueOrDefault(word) | section;
            }
        }

        return words.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }
}
