namespace MillionX.Pipeline.Stages.SampleSource;

/// <summary>A raw record as a source would deliver it, and whether it was generated to be invalid.</summary>
public sealed record SampleRecord(SourceKind Kind, byte[] Raw, bool IntendedInvalid);

/// <summary>
/// Seeded, deterministic synthetic records: Benglish social posts, Shopify/Daraz order lines and weather for the
/// five cities, with a configurable share of deliberately broken ones. Pure apart from the clock passed in.
/// </summary>
public sealed class SampleRecordGenerator(int seed, double invalidShare, IReadOnlyList<SourceKind> kinds, TimeProvider clock)
{
    private static readonly string[] Openers =
    [
        "Eid er jonno notun collection eshe geche!", "Ajker deal: shob product e 20% off", "Dhaka te same day delivery, order korun ekhoni",
        "Amader page e notun arrival dekhun", "Limited stock, taratari order din", "Boishakh special offer cholche",
        "Customer review: product ta khub valo", "Flash sale shuru hoyeche", "Free delivery Chittagong e", "Puja special discount",
    ];

    private static readonly (string Id, string Name, decimal Price, string Mention)[] Products =
    [
        ("P-1001", "Jamdani Shari", 4500m, "shari"), ("P-1002", "Cotton Panjabi", 1850m, "panjabi"),
        ("P-1003", "Leather Juta", 2200m, "juta"), ("P-1004", "Ladies Hand Bag", 1350m, "bag"),
        ("P-1005", "Xiaomi Redmi Note Phone", 21999m, "phone"), ("P-1006", "Bluetooth Earbuds", 1499m, "earbuds"),
        ("P-1007", "Three Piece Salwar Kameez", 2650m, "three piece"), ("P-1008", "Kids Sneakers", 990m, "juta"),
        ("P-1009", "Smart Watch", 3200m, "watch"), ("P-1010", "Hijab Set", 650m, "hijab"),
    ];

    private static readonly string[] Tags = ["#onlineshopping", "#dhaka", "#darazdeal", "#eidcollection", "#bdfashion", "#trending", "#fbshop"];
    private static readonly string[] Cities = ["Dhaka", "Chittagong", "Sylhet", "Khulna", "Rajshahi"];
    private static readonly string[] Conditions = ["Clear", "Clouds", "Haze", "Rain", "Mist", "Thunderstorm"];
    private static readonly string[] Statuses = ["pending", "paid", "shipped", "delivered", "cancelled"];

    private readonly Random _rng = new(seed);
    private long _sequence;

    public SampleRecord Next()
    {
        var kind = kinds[_rng.Next(kinds.Count)];
        var invalid = _rng.NextDouble() < invalidShare;
        var seq = Interlocked.Increment(ref _sequence);
        var now = clock.GetUtcNow().AddSeconds(-_rng.Next(0, 3600));
        var raw = kind switch
        {
            SourceKind.Tiktok or SourceKind.Facebook => Post(kind, seq, now, invalid),
            SourceKind.Shopify or SourceKind.Daraz => Order(kind, seq, now, invalid),
            _ => Weather(now, invalid),
        };
        return new SampleRecord(kind, raw, invalid);
    }

    private byte[] Post(SourceKind kind, long seq, DateTimeOffset ts, bool invalid)
    {
        var product = Products[_rng.Next(Products.Length)];
        var content = $"{Openers[_rng.Next(Openers.Length)]} {product.Name} matro {product.Price:0} taka. Inbox korun ba call din 01{_rng.Next(3, 10)}{_rng.Next(10_000_000, 99_999_999)} {Tags[_rng.Next(Tags.Length)]}";
        var postId = kind == SourceKind.Tiktok ? (7_300_000_000_000_000_000L + (seed * 1_000_000L) + seq).ToString(CultureInfo.InvariantCulture)
            : $"{100_000_000_000_000L + (seed * 1_000_000L) + seq}";
        var fields = new Dictionary<string, string>
        {
            ["platform"] = Json(kind.Name()),
            ["post_id"] = Json(postId),
            ["author_username"] = Json($"shop_{(char)('a' + _rng.Next(26))}{_rng.Next(100, 999)}"),
            ["content"] = Json(content),
            ["engagement_count"] = _rng.Next(0, 250_000).ToString(CultureInfo.InvariantCulture),
            ["timestamp"] = Json(ts.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)),
            ["hashtags"] = $"[{Json(Tags[_rng.Next(Tags.Length)])}]",
            ["product_mentions"] = $"[{Json(product.Mention)}]",
        };
        return invalid ? Break(fields, ["engagement_count", "content", "timestamp", "post_id", "platform"]) : Render(fields);
    }

    private byte[] Order(SourceKind kind, long seq, DateTimeOffset ts, bool invalid)
    {
        var product = Products[_rng.Next(Products.Length)];
        var phone = _rng.Next(3) switch
        {
            0 => $"+8801{_rng.Next(3, 10)}{_rng.Next(10_000_000, 99_999_999)}",
            1 => $"01{_rng.Next(3, 10)}{_rng.Next(10, 99)}-{_rng.Next(100_000, 999_999)}",
            _ => $"01{_rng.Next(3, 10)}{_rng.Next(10_000_000, 99_999_999)}",
        };
        var prefix = kind == SourceKind.Shopify ? "SH" : "DZ";
        var fields = new Dictionary<string, string>
        {
            ["platform"] = Json(kind.Name()),
            ["order_id"] = Json($"{prefix}-{seed}-{seq}"),
            ["merchant_id"] = Json($"M-{_rng.Next(1, 40):D3}"),
            ["product_id"] = Json(product.Id),
            ["product_name"] = Json(product.Name),
            ["quantity"] = _rng.Next(1, 5).ToString(CultureInfo.InvariantCulture),
            ["price"] = product.Price.ToString(CultureInfo.InvariantCulture),
            ["currency"] = Json("BDT"),
            ["order_status"] = Json(Statuses[_rng.Next(Statuses.Length)]),
            ["customer_phone"] = Json(phone),
            ["timestamp"] = Json(ts.ToOffset(TimeSpan.FromHours(6)).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture)),
        };

        return invalid ? Break(fields, ["quantity", "price", "order_id", "timestamp", "platform"]) : Render(fields);
    }

    private byte[] Weather(DateTimeOffset ts, bool invalid)
    {
        var temp = Math.Round(18 + (_rng.NextDouble() * 20), 1);
        var condition = Conditions[_rng.Next(Conditions.Length)];
        var fields = new Dictionary<string, string>
        {
            ["city"] = Json(Cities[_rng.Next(Cities.Length)]),
            ["temperature"] = temp.ToString(CultureInfo.InvariantCulture),
            ["condition"] = Json(condition),
            ["humidity"] = _rng.Next(40, 100).ToString(CultureInfo.InvariantCulture),
            ["wind_speed"] = Math.Round(_rng.NextDouble() * 12, 1).ToString(CultureInfo.InvariantCulture),
            ["timestamp"] = Json(ts.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)),
        };
        return invalid ? Break(fields, ["humidity", "wind_speed", "city", "timestamp"]) : Render(fields);
    }

    /// <summary>Breaks a record in one of several realistic ways.</summary>
    private byte[] Break(Dictionary<string, string> fields, string[] targets)
    {
        var field = targets[_rng.Next(targets.Length)];
        switch (_rng.Next(6))
        {
            case 0:
                var whole = Render(fields);
                return whole[..(whole.Length / 2)];
            case 1:
                fields.Remove(field);
                break;
            case 2:
                fields[field] = "-1";
                break;
            case 3:
                fields[field] = "{\"unexpected\":true}";
                break;
            case 4:
                return [.. Render(fields)[..^1], 0xC3, 0x28, (byte)'}'];
            default:
                fields[field] = Json("");
                break;
        }

        return Render(fields);
    }

    private static byte[] Render(Dictionary<string, string> fields)
    {
        var sb = new StringBuilder("{");
        foreach (var (k, v) in fields)
        {
            if (sb.Length > 1)
            {
                sb.Append(',');
            }

            sb.Append('"').Append(k).Append("\":").Append(v);
        }

        return Encoding.UTF8.GetBytes(sb.Append('}').ToString());
    }

    private static string Json(string s) => System.Text.Json.JsonSerializer.Serialize(s, Contracts.ContractJson.Default.String);
}
