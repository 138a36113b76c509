namespace MillionX.Pipeline.Tests.Unit;

/// <summary>Builds raw source records from JSON fragments: a valid record per contract, with fields replaced, added or removed.</summary>
internal static class RawRecords
{
    public static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    public static RecordValidator Validator(ValidationLimits? limits = null) => new(limits ?? new ValidationLimits(), new FixedClock(Now));

    /// <summary>A JSON string literal (escapes control and non-ASCII characters; the parser decodes them back).</summary>
    public static string Str(string s) => JsonSerializer.Serialize(s);

    private static readonly (string Key, string Value)[] PostFields =
    [
        ("platform", "\"tiktok\""),
        ("post_id", "\"7300000000000000001\""),
        ("author_username", "\"shop_dhaka\""),
        ("content", "\"Eid er jonno notun collection eshe geche!\""),
        ("engagement_count", "1200"),
        ("timestamp", "\"2026-11-24T09:00:00Z\""),
        ("hashtags", "[\"#dhaka\",\"#eid\"]"),
        ("product_mentions", "[\"shari\"]"),
    ];

    private static readonly (string Key, string Value)[] OrderFields =
    [
        ("platform", "\"shopify\""),
        ("order_id", "\"SH-1001\""),
        ("merchant_id", "\"M-007\""),
        ("product_id", "\"P-1001\""),
        ("product_name", "\"Jamdani Shari\""),
        ("quantity", "2"),
        ("price", "4500.50"),
        ("currency", "\"BDT\""),
        ("order_status", "\"paid\""),
        ("customer_phone", "\"+8801712345678\""),
        ("timestamp", "\"2026-11-24T15:00:00+06:00\""),
    ];

    private static readonly (string Key, string Value)[] WeatherFields =
    [
        ("city", "\"Dhaka\""),
        ("temperature", "28.5"),
        ("condition", "\"Clear\""),
        ("humidity", "70"),
        ("wind_speed", "3.2"),
        ("timestamp", "\"2026-11-24T09:30:00Z\""),
    ];

    /// <summary>A social post; each change replaces a field's raw JSON value (null removes the field).</summary>
    public static byte[] Post(params (string Key, string? Value)[] changes) => Render(PostFields, changes);

    public static byte[] Order(params (string Key, string? Value)[] changes) => Render(OrderFields, changes);

    public static byte[] Weather(params (string Key, string? Value)[] changes) => Render(WeatherFields, changes);

    public static string Text(byte[] raw) => Encoding.UTF8.GetString(raw);

    private static byte[] Render((string Key, string Value)[] fields, (string Key, string? Value)[] changes)
    {
        var list = fields.Select(f => (f.Key, (string?)f.Value)).ToList();
        foreach (var (key, value) in changes)
        {
            var i = list.FindIndex(f => f.Key == key);
            if (i >= 0)
            {
                list[i] = (key, value);
            }
            else
            {
                list.Add((key, value));
            }
        }

        var body = string.Join(",", list.Where(f => f.Item2 is not null).Select(f => $"\"{f.Key}\":{f.Item2}"));
        return Encoding.UTF8.GetBytes("{" + body + "}");
    }

    /// <summary>The (path, code) pairs of a result, in the order the validator reported them.</summary>
    public static List<(string Path, string Code)> Problems<T>(ValidationResult<T> result)
        where T : class => result.Errors.Select(e => (e.Path, e.Code)).ToList();
}
