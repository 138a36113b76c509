using System.Collections.Frozen;

namespace MillionX.Pipeline.Embedding;

/// <summary>
/// Canonical decomposition (NFD) that does not depend on ICU. The project runs with InvariantGlobalization, where
/// <see cref="string.Normalize(NormalizationForm)"/> returns non-ASCII text unchanged without any error, so accent
/// stripping built on it would silently do nothing. The data (nfd.txt) is generated from Python's unicodedata by
/// generate.py beside it.
/// </summary>
internal static class UnicodeNfd
{
    private const int HangulBase = 0xAC00, HangulCount = 11172, JamoLBase = 0x1100, JamoVBase = 0x1161, JamoTBase = 0x11A7;
    private const int JamoVCount = 21, JamoTCount = 28;

    // Below U+00C0 nothing decomposes and nothing combines: the fast path for ASCII-heavy text.
    private const int FirstInteresting = 0xC0;

    private static readonly (FrozenDictionary<int, int[]> Decompositions, FrozenDictionary<int, byte> CombiningClasses) Data = Load();

    /// <summary>Appends the full canonical decomposition of <paramref name="codePoint"/> to <paramref name="output"/>.</summary>
    public static void Decompose(int codePoint, List<int> output)
    {
        if (codePoint < FirstInteresting)
        {
            output.Add(codePoint);
            return;
        }

        int s = codePoint - HangulBase;
        if (s is >= 0 and < HangulCount)
        {
            output.Add(JamoLBase + s / (JamoVCount * JamoTCount));
            output.Add(JamoVBase + s % (JamoVCount * JamoTCount) / JamoTCount);
            if (s % JamoTCount != 0)
            {
                output.Add(JamoTBase + s % JamoTCount);
            }

            return;
        }

        if (Data.Decompositions.TryGetValue(codePoint, out var parts))
        {
            output.AddRange(parts);
        }
        else
        {
            output.Add(codePoint);
        }
    }

    public static int CombiningClass(int codePoint) =>
        codePoint >= 0x300 && Data.CombiningClasses.TryGetValue(codePoint, out var ccc) ? ccc : 0;

    /// <summary>Canonical ordering: within each run of combining marks, a stable sort by combining class.</summary>
    public static void ReorderMarks(List<int> codePoints)
    {
        for (int i = 1; i < codePoints.Count; i++)
        {
            int ccc = CombiningClass(codePoints[i]);
            if (ccc == 0)
            {
                continue;
            }

            // Insertion sort: marks runs are a handful of code points long.
            int j = i;
            var current = codePoints[i];
            while (j > 0 && CombiningClass(codePoints[j - 1]) > ccc)
            {
                codePoints[j] = codePoints[j - 1];
                j--;
            }

            codePoints[j] = current;
        }
    }

    /// <summary>NFD of a whole string (for tests and diagnostics; the tokenizer works on code points).</summary>
    public static string Normalize(string text)
    {
        var codePoints = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            Decompose(rune.Value, codePoints);
        }

        ReorderMarks(codePoints);
        var sb = new StringBuilder(codePoints.Count);
        foreach (var cp in codePoints)
        {
            sb.Append(new Rune(cp).ToString());
        }

        return sb.ToString();
    }

    private static (FrozenDictionary<int, int[]>, FrozenDictionary<int, byte>) Load()
    {
        const string resource = "MillionX.Pipeline.Embedding.Unicode.nfd.txt";
        using var stream = typeof(UnicodeNfd).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded resource {resource} is missing from the assembly.");
        using var reader = new StreamReader(stream);
        var decompositions = new Dictionary<int, int[]>();
        var classes = new Dictionary<int, byte>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var fields = line.Split(' ');
            int cp = int.Parse(fields[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (fields[0] == "d")
            {
                decompositions[cp] = fields[2..].Select(f => int.Parse(f, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
            }
            else
            {
                classes[cp] = byte.Parse(fields[2], CultureInfo.InvariantCulture);
            }
        }

        return (decompositions.ToFrozenDictionary(), classes.ToFrozenDictionary());
    }
}
