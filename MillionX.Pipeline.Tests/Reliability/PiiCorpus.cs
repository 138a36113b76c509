namespace MillionX.Pipeline.Tests.Reliability;

/// <summary>A generated record and the raw personal values in it that must never leave the privacy boundary.</summary>
/// <remarks><see cref="Written"/> appear in the record as written; <see cref="Secrets"/> adds derived forms (a phone's bare digits).</remarks>
public sealed record PiiRecord(string Line, IReadOnlyList<string> Written, IReadOnlyList<string> Secrets, bool Valid);

/// <summary>
/// Seeded generator of posts and orders full of personal data in the forms people really write it: Bangladeshi
/// mobiles with every prefix (+880, 880, 00880, +88 0, +8800, 0) and separator (spaces, dashes, dots, slashes, en
/// dashes, runs of them), in ASCII, Bengali, full-width or keycap digits or with a letter O for the zero; e-mails in
/// mixed case; @usernames; customers' real names as display names, mentions and in the phone field.
/// Shrinking-free: a failure is reproduced from the seed alone.
/// </summary>
public sealed class PiiCorpus(int seed)
{
    private static readonly string[] First = ["Nasrin", "Rahim", "Farhana", "Tanvir", "Sadia", "Mehedi", "Sumaiya", "Arif", "Jannat", "Rakib"];
    private static readonly string[] Last = ["Akter", "Uddin", "Hossain", "Rahman", "Islam", "Chowdhury", "Begum", "Sarkar", "Khatun", "Mia"];
    private static readonly string[] Domains = ["gmail.com", "yahoo.com", "mail.com.bd", "outlook.com"];
    private static readonly string[] Texts =
        ["Eid er notun shari collection", "Leather juta 20% off", "Cotton panjabi stock e ache", "Smart watch er warranty ache?", "Kids sneakers available"];

    private readonly Random _random = new(seed);

    public int Seed => seed;

    private string Suffix() => string.Concat(Enumerable.Range(0, 4).Select(_ => "abcdefghjkmnpqrstuvwxyz23456789"[_random.Next(31)]));

    private static string Bengali(string s) => string.Concat(s.Select(c => char.IsAsciiDigit(c) ? (char)('০' + (c - '0')) : c));

    /// <summary>A mobile number in a random written form, and the secrets it yields (the form, and its ten national digits in both scripts).</summary>
    public (string Written, string[] Secrets) Phone()
    {
        var n = "1" + (char)('3' + _random.Next(7)) + string.Concat(Enumerable.Range(0, 8).Select(_ => (char)('0' + _random.Next(10))));
        var written = _random.Next(17) switch
        {
            0 => "0" + n,
            1 => "+880" + n,
            2 => "880" + n,
            3 => "00880" + n,
            4 => $"+880 {n[..4]}-{n[4..]}",
            5 => $"0{n[..3]}-{n[3..7]}-{n[7..]}",
            6 => $"0{n[..3]}.{n[3..7]}.{n[7..]}",
            7 => $"+88 0{n[..4]} {n[4..]}",
            8 => $"0{n[..4]} {n[4..]}",
            9 => $"+880-{n[..4]}-{n[4..]}",
            10 => string.Concat(("0" + n).Select(c => $"{c}\uFE0F\u20E3")), // keycaps
            11 => $"0{n[..4]}/{n[4..]}",
            12 => $"0{n[..4]}\u2013{n[4..]}",
            13 => "+8800" + n,
            14 => string.Concat(("0" + n).Select(c => (char)('\uFF10' + (c - '0')))), // full-width
            15 => $"O{n[..4]}-{n[4..]}",
            _ => $"0{n[..4]} -- {n[4..]}",
        };
        if (_random.Next(3) == 0)
        {
            written = Bengali(written);
        }

        return (written, [written, n, Bengali(n)]);
    }

    public string Email()
    {
        var e = $"{First[_random.Next(First.Length)]}.{Last[_random.Next(Last.Length)]}{Suffix()}@{Domains[_random.Next(Domains.Length)]}";
        return _random.Next(2) == 0 ? e : e.ToLowerInvariant();
    }

    public string Username() => $"{First[_random.Next(First.Length)].ToLowerInvariant()}_{Last[_random.Next(Last.Length)].ToLowerInvariant()}_{Suffix()}";

    public string FullName() => $"{First[_random.Next(First.Length)]} {Last[_random.Next(Last.Length)]} {char.ToUpperInvariant(Suffix()[0])}{Suffix()}";

    public PiiRecord Post(int i)
    {
        var secrets = new List<string>();
        var written = new List<string>();
        var author = _random.Next(2) == 0 ? Username() : FullName();
        secrets.Add(author);
        written.Add(author);
        var parts = new List<string> { Texts[_random.Next(Texts.Length)] };
        for (var k = 1 + _random.Next(3); k > 0; k--)
        {
            switch (_random.Next(3))
            {
                case 0:
                    var (phone, phoneSecrets) = Phone();
                    parts.Add($"call {phone} now");
                    secrets.AddRange(phoneSecrets);
                    written.Add(phone);
                    break;
                case 1:
                    var email = Email();
                    parts.Add($"mail {email} for price");
                    secrets.Add(email);
                    written.Add(email);
                    break;
                default:
                    var user = Username();
                    parts.Add($"thanks @{(_random.Next(2) == 0 ? user : user.ToUpperInvariant())}!");
                    secrets.Add(user);
                    written.Add(user);
                    break;
            }
        }

        var mentions = new List<string>();
        if (_random.Next(4) == 0)
        {
            var (phone, phoneSecrets) = Phone();
            mentions.Add($"order {phone}");
            secrets.AddRange(phoneSecrets);
            written.Add(phone);
        }

        var valid = _random.Next(10) != 0;
        var line = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["platform"] = "tiktok",
            ["post_id"] = $"PV-{i}",
            ["author_username"] = author,
            ["content"] = string.Join(' ', parts),
            ["engagement_count"] = valid ? _random.Next(100_000) : -1 - _random.Next(100),
            ["timestamp"] = "2026-11-20T10:00:00Z",
            ["hashtags"] = new[] { "#eid" },
            ["product_mentions"] = mentions,
        });
        return new PiiRecord(line, written, secrets, valid);
    }

    public PiiRecord Order(int i)
    {
        var secrets = new List<string>();
        var written = new List<string>();
        string customer;
        switch (_random.Next(4))
        {
            case 0:
                customer = Email();
                secrets.Add(customer);
                written.Add(customer);
                break;
            case 1:
                customer = FullName();
                secrets.Add(customer);
                written.Add(customer);
                break;
            default:
                var (phone, phoneSecrets) = Phone();
                customer = phone;
                secrets.AddRange(phoneSecrets);
                written.Add(phone);
                break;
        }

        var product = "Jamdani Shari";
        if (_random.Next(3) == 0)
        {
            var (phone, phoneSecrets) = Phone();
            product += $" (call {phone})";
            secrets.AddRange(phoneSecrets);
            written.Add(phone);
        }

        var valid = _random.Next(10) != 0;
        var line = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["platform"] = "shopify",
            ["order_id"] = $"OV-{i}",
            ["merchant_id"] = "M-1",
            ["product_id"] = $"P-{i % 9}",
            ["product_name"] = product,
            ["quantity"] = valid ? 1 + _random.Next(5) : 0,
            ["price"] = 500 + _random.Next(5000),
            ["order_status"] = "paid",
            ["customer_phone"] = customer,
            ["timestamp"] = "2026-11-20T10:00:00Z",
        });
        return new PiiRecord(line, written, secrets, valid);
    }

    /// <summary>Lower-cased Latin-1 view of bytes: UTF-8 text and its search keys compare byte for byte, case-insensitively for ASCII.</summary>
    public static string Haystack(byte[] bytes) => Encoding.Latin1.GetString(bytes).ToLowerInvariant();

    public static string Needle(string secret) => Haystack(Encoding.UTF8.GetBytes(secret));
}
