namespace MillionX.Pipeline.Privacy;

/// <summary>
/// Whether the words just before a digit run say it is a phone number: a run of ten digits without the national 0
/// ("call 1711-234567") is a number only then. Looks back at most four words within 48 characters.
/// </summary>
internal static class PhoneContext
{
    private const int MaxWords = 4;
    private const int MaxChars = 48;

    // Longer "words" are cut (they match no keyword anyway), so a scan never costs more than a few dozen chars.
    private const int MaxWordChars = 24;

    // Matched whole, or as a word's start when four characters or longer ("calling", "নম্বরে").
    private static readonly string[] PhoneWords =
    [
        "phone", "ph", "phn", "fone", "mobile", "mob", "mobl", "cell", "call", "contact", "whatsapp", "whatsap", "wa",
        "imo", "viber", "telegram", "bkash", "bikash", "nagad", "rocket", "hotline", "helpline", "dial", "sms", "tel",
        "ফোন", "ফোনে", "মোবাইল", "কল", "কলে", "যোগাযোগ", "বিকাশ", "বিকাশে", "নগদ", "নগদে", "ইমো", "হোয়াটসঅ্যাপ",
    ];

    // "Number" says phone unless the word before it names something else: "order number 1711234567".
    private static readonly string[] NumberWords = ["number", "num", "nmbr", "নম্বর", "নাম্বার", "নং"];

    private static readonly string[] OtherIds =
    [
        "order", "invoice", "inv", "tracking", "track", "parcel", "ticket", "account", "acc", "id", "ref", "trx", "trxid",
        "txn", "sku", "code", "item", "model", "serial", "অর্ডার", "ইনভয়েস", "ট্র্যাকিং", "আইডি", "অ্যাকাউন্ট", "হিসাব",
    ];

    public static bool Before(ReadOnlySpan<char> s, int start)
    {
        var limit = Math.Max(0, start - MaxChars);
        var words = 0;
        var i = start - 1;
        while (i >= limit && words < MaxWords)
        {
            var c = s[i];
            if (IsWordChar(c))
            {
                var end = i + 1;
                while (i >= 0 && end - i <= MaxWordChars && IsWordChar(s[i]))
                {
                    i--;
                }

                var word = s[(i + 1)..end];
                words++;
                if (Matches(word, PhoneWords))
                {
                    return true;
                }

                if (Matches(word, NumberWords))
                {
                    return !Matches(PreviousWord(s, i), OtherIds);
                }

                if (Matches(word, OtherIds))
                {
                    return false;
                }

                continue;
            }

            // ☎ ☏ ✆, and 📞 📱 📲 (U+1F4DE, U+1F4F1, U+1F4F2: surrogate pairs D83D DCDE/DCF1/DCF2).
            if (c is '\u260E' or '\u260F' or '\u2706' || (c is '\uDCDE' or '\uDCF1' or '\uDCF2' && i > 0 && s[i - 1] == '\uD83D'))
            {
                return true;
            }

            i--;
        }

        return false;
    }

    private static ReadOnlySpan<char> PreviousWord(ReadOnlySpan<char> s, int i)
    {
        var limit = i - MaxChars;
        while (i >= 0 && i > limit && !IsWordChar(s[i]))
        {
            i--;
        }

        var end = i + 1;
        while (i >= 0 && end - i <= MaxWordChars && IsWordChar(s[i]))
        {
            i--;
        }

        return s[(i + 1)..end];
    }

    private static bool Matches(ReadOnlySpan<char> word, string[] keywords)
    {
        if (word.IsEmpty)
        {
            return false;
        }

        foreach (var k in keywords)
        {
            if (word.Length == k.Length ? word.Equals(k, StringComparison.OrdinalIgnoreCase)
                : k.Length >= 4 && word.StartsWith(k, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    // Letters, and the vowel signs and marks Bengali words are written with.
    private static bool IsWordChar(char c) =>
        c < '\u0080' ? char.IsAsciiLetter(c)
        : char.IsLetter(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;
}
