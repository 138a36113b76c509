namespace MillionX.Pipeline.Tests.Reliability;

/// <summary>The source a corpus line is ingested through.</summary>
public enum CorpusSource
{
    Tiktok,
    Shopify,
    Weather,
}

/// <summary>
/// One named kind of broken or hostile record and what the pipeline must do with it: <see cref="Reason"/> is the
/// dead-letter reason code, or null when the record is valid and must be accepted (and land intact).
/// </summary>
public sealed record BadInputKind(string Name, CorpusSource Source, byte[] Bytes, string? Reason)
{
    public bool Accepted => Reason is null;

    public override string ToString() => Name;
}

/// <summary>
/// The bad-input corpus: each kind is built from a valid record of its source by one named mutation, so a reader sees
/// exactly what is broken. A JSON null counts as a missing field, and so does a blank required string. Ids are <c>BI-&lt;index&gt;</c> (posts, orders) or the city <c>BadCity&lt;index&gt;</c> (weather),
/// unique per kind, so an accepted kind can be found in the sinks.
/// </summary>
public static class BadInputCorpus
{
    private const string Ts = "\"2026-11-20T10:00:00Z\"";

    public static IReadOnlyList<BadInputKind> All { get; } = Build();

    private static string Post(int i, string? platform = "\"tiktok\"", string? postId = null, string? author = "\"rel_author\"",
        string? content = "\"Eid er notun shari collection, Dhaka delivery free\"", string? engagement = "12", string? timestamp = Ts,
        string? hashtags = "[\"#eid\"]", string extra = "")
    {
        var fields = new List<string>();
        void Add(string name, string? json)
        {
            if (json is not null)
            {
                fields.Add($"\"{name}\":{json}");
            }
        }

        Add("platform", platform);
        Add("post_id", postId ?? $"\"BI-{i}\"");
        Add("author_username", author);
        Add("content", content);
        Add("engagement_count", engagement);
        Add("timestamp", timestamp);
        Add("hashtags", hashtags);
        Add("product_mentions", "[]");
        return "{" + string.Join(',', fields) + extra + "}";
    }

    private static string Order(int i, string? quantity = "2", string? price = "1250.50", string? productName = "\"Jamdani Shari\"",
        string? status = "\"paid\"", string? orderId = null, string? currency = null, string? timestamp = Ts)
    {
        var fields = new List<string>();
        void Add(string name, string? json)
        {
            if (json is not null)
            {
                fields.Add($"\"{name}\":{json}");
            }
        }

        Add("platform", "\"shopify\"");
        Add("order_id", orderId ?? $"\"BI-{i}\"");
        Add("merchant_id", "\"M-1\"");
        Add("product_id", $"\"P-{i}\"");
        Add("product_name", productName);
        Add("quantity", quantity);
        Add("price", price);
        Add("currency", currency);
        Add("order_status", status);
        Add("timestamp", timestamp);
        return "{" + string.Join(',', fields) + "}";
    }

    private static string Weather(int i, string? city = null, string? temperature = "31.5", string? humidity = "70", string? wind = "4.2",
        string? condition = "\"Clear\"", string? timestamp = Ts)
    {
        var fields = new List<string>();
        void Add(string name, string? json)
        {
            if (json is not null)
            {
                fields.Add($"\"{name}\":{json}");
            }
        }

        Add("city", city ?? $"\"BadCity{i}\"");
        Add("temperature", temperature);
        Add("condition", condition);
        Add("humidity", humidity);
        Add("wind_speed", wind);
        Add("timestamp", timestamp);
        return "{" + string.Join(',', fields) + "}";
    }

    private static string J(string s) => JsonSerializer.Serialize(s);

    private static List<BadInputKind> Build()
    {
        var kinds = new List<BadInputKind>();
        var i = 0;
        void Text(string name, CorpusSource source, Func<int, string> make, string? reason)
        {
            kinds.Add(new BadInputKind(name, source, Encoding.UTF8.GetBytes(make(i)), reason));
            i++;
        }

        void Bytes(string name, CorpusSource source, Func<int, byte[]> make, string? reason)
        {
            kinds.Add(new BadInputKind(name, source, make(i), reason));
            i++;
        }

        const CorpusSource P = CorpusSource.Tiktok;
        const CorpusSource O = CorpusSource.Shopify;
        const CorpusSource W = CorpusSource.Weather;

        // Syntax.
        Text("post_truncated_json", P, n => Post(n)[..45], ReasonCodes.MalformedJson);
        Text("post_trailing_garbage", P, n => Post(n) + " xyz", ReasonCodes.MalformedJson);
        Text("post_single_quoted", P, n => Post(n).Replace('"', '\''), ReasonCodes.MalformedJson);
        Text("post_trailing_comma", P, n => Post(n)[..^1] + ",}", ReasonCodes.MalformedJson);
        Text("post_nan_literal", P, n => Post(n, engagement: "NaN"), ReasonCodes.MalformedJson);
        Text("post_infinity_literal", P, n => Post(n, engagement: "Infinity"), ReasonCodes.MalformedJson);
        Text("post_json_array", P, n => "[" + Post(n) + "]", ReasonCodes.NotAnObject);
        Text("post_json_string", P, _ => "\"just a string\"", ReasonCodes.NotAnObject);
        Text("post_json_null", P, _ => "null", ReasonCodes.NotAnObject);
        Text("post_empty_object", P, _ => "{}", ReasonCodes.MissingField);
        Text("post_duplicated_key", P, n => Post(n, extra: ",\"engagement_count\":999999"), ReasonCodes.DuplicateKey);
        Text("post_duplicated_key_escaped", P, n => Post(n, extra: ",\"engagement\\u005fcount\":999999"), ReasonCodes.DuplicateKey);
        Text("post_deeply_nested", P, n => Post(n, hashtags: new string('[', 5000) + new string(']', 5000)), ReasonCodes.TooDeep);
        Text("post_nested_object_as_content", P, n => Post(n, content: "{\"a\":{\"b\":{\"c\":1}}}"), ReasonCodes.WrongType);

        // Types, nulls and numbers.
        Text("post_missing_author", P, n => Post(n, author: null), ReasonCodes.MissingField);
        Text("post_null_author", P, n => Post(n, author: "null"), ReasonCodes.MissingField);
        Text("post_engagement_as_string", P, n => Post(n, engagement: "\"12\""), ReasonCodes.WrongType);
        Text("post_engagement_nan_string", P, n => Post(n, engagement: "\"NaN\""), ReasonCodes.WrongType);
        Text("post_engagement_negative", P, n => Post(n, engagement: "-1"), ReasonCodes.OutOfRange);
        Text("post_engagement_huge", P, n => Post(n, engagement: "1e30"), ReasonCodes.OutOfRange);
        Text("post_engagement_beyond_double", P, n => Post(n, engagement: "1e400"), ReasonCodes.OutOfRange);
        Text("post_engagement_fraction", P, n => Post(n, engagement: "1.5"), ReasonCodes.WrongType);
        Text("post_engagement_bool", P, n => Post(n, engagement: "true"), ReasonCodes.WrongType);
        Text("post_hashtags_not_array", P, n => Post(n, hashtags: "\"#eid\""), ReasonCodes.WrongType);
        Text("post_hashtags_with_number", P, n => Post(n, hashtags: "[\"#eid\",7]"), ReasonCodes.WrongType);
        Text("post_too_many_hashtags", P, n => Post(n, hashtags: "[" + string.Join(',', Enumerable.Range(0, 500).Select(k => $"\"#t{k}\"")) + "]"), ReasonCodes.TooMany);
        Text("post_platform_unknown", P, n => Post(n, platform: "\"instagram\""), ReasonCodes.InvalidValue);
        Text("post_platform_mismatch", P, n => Post(n, platform: "\"facebook\""), ReasonCodes.PlatformMismatch);

        // Strings: length, encoding, invisible characters.
        Text("post_content_too_short", P, n => Post(n, content: "\"a  b\""), ReasonCodes.TooShort);
        Text("post_content_blank", P, n => Post(n, content: "\"   \\t  \\n \""), ReasonCodes.MissingField);
        Text("post_content_too_long", P, n => Post(n, content: J(new string('x', 25_000))), ReasonCodes.TooLong);
        Text("post_content_1mb", P, n => Post(n, content: J(new string('x', 1 << 20))), ReasonCodes.Oversized);
        Text("post_id_too_long", P, n => Post(n, postId: J(new string('9', 500))), ReasonCodes.TooLong);
        Bytes("post_invalid_utf8_byte", P, n => [.. Encoding.UTF8.GetBytes(Post(n))[..60], 0xFF, .. Encoding.UTF8.GetBytes(Post(n))[60..]], ReasonCodes.InvalidUtf8);
        Bytes("post_overlong_utf8", P, n => Splice(Encoding.UTF8.GetBytes(Post(n, content: "\"slash ##overlong## here ok\"")), "##overlong##"u8.ToArray(), [0xC0, 0xAF]), ReasonCodes.InvalidUtf8);
        Text("post_lone_surrogate_escape", P, n => Post(n, content: "\"broken \\ud800 surrogate text\""), ReasonCodes.InvalidValue);
        Text("post_lone_surrogate_in_key", P, n => Post(n, extra: ",\"x\\udc00y\":1"), ReasonCodes.MalformedJson);
        Text("post_lone_surrogate_in_hashtag", P, n => Post(n, hashtags: "[\"#ok\",\"#bad\\udfff\"]"), ReasonCodes.InvalidValue);
        Text("post_control_char_in_id", P, n => Post(n, postId: $"\"BI-{n}\\u0007\""), ReasonCodes.InvalidChars);
        Text("post_zero_width_in_author", P, n => Post(n, author: "\"rel\\u200Bauthor\""), ReasonCodes.InvalidChars);
        Text("post_bidi_override_in_author", P, n => Post(n, author: "\"rel\\u202Eauthor\""), ReasonCodes.InvalidChars);
        Text("post_newline_in_author", P, n => Post(n, author: "\"rel\\nauthor\""), ReasonCodes.InvalidChars);
        Text("post_nul_in_content", P, n => Post(n, content: "\"before\\u0000after the nul\""), ReasonCodes.InvalidChars);

        // Dates.
        Text("post_far_future_timestamp", P, n => Post(n, timestamp: "\"2999-01-01T00:00:00Z\""), ReasonCodes.TimestampOutOfRange);
        Text("post_ancient_timestamp", P, n => Post(n, timestamp: "\"1970-01-01T00:00:00Z\""), ReasonCodes.TimestampOutOfRange);
        Text("post_negative_unix_timestamp", P, n => Post(n, timestamp: "-86400"), ReasonCodes.TimestampOutOfRange);
        Text("post_timestamp_without_offset", P, n => Post(n, timestamp: "\"2026-11-20T10:00:00\""), ReasonCodes.InvalidTimestamp);
        Text("post_timestamp_words", P, n => Post(n, timestamp: "\"yesterday\""), ReasonCodes.InvalidTimestamp);
        Text("post_timestamp_feb_30", P, n => Post(n, timestamp: "\"2026-02-30T10:00:00Z\""), ReasonCodes.InvalidTimestamp);

        // Valid but hostile or unusual: accepted and stored exactly.
        Text("post_sql_injection_text", P, n => Post(n, content: J("Robert'); DROP TABLE POST_VECTORS; -- ' OR '1'='1")), null);
        Text("post_html_injection_text", P, n => Post(n, content: J("<script>alert('x')</script><img src=x onerror=alert(1)> offer!")), null);
        Text("post_bengali_with_zwj_and_emoji", P, n => Post(n, content: J("ঈদের নতুন শাড়ি ক্\u200Dষ \U0001F60D দাম কত?")), null);
        Text("post_utf8_bom_prefix", P, n => "\uFEFF" + Post(n), null);
        Text("post_unix_seconds_timestamp", P, n => Post(n, timestamp: "1763632800"), null);
        Text("post_unknown_extra_field", P, n => Post(n, extra: ",\"shares\":{\"x\":[1,2,3]}"), null);

        // Orders.
        Text("order_quantity_zero", O, n => Order(n, quantity: "0"), ReasonCodes.OutOfRange);
        Text("order_quantity_huge", O, n => Order(n, quantity: "99999999999999999999"), ReasonCodes.OutOfRange);
        Text("order_quantity_fraction", O, n => Order(n, quantity: "1.5"), ReasonCodes.WrongType);
        Text("order_price_negative", O, n => Order(n, price: "-5"), ReasonCodes.OutOfRange);
        Text("order_price_huge", O, n => Order(n, price: "1e300"), ReasonCodes.OutOfRange);
        Text("order_price_as_string", O, n => Order(n, price: "\"1250\""), ReasonCodes.WrongType);
        Text("order_price_null", O, n => Order(n, price: "null"), ReasonCodes.MissingField);
        Text("order_status_unknown", O, n => Order(n, status: "\"teleported\""), ReasonCodes.InvalidValue);
        Text("order_currency_not_iso", O, n => Order(n, currency: "\"T$K\""), ReasonCodes.InvalidValue);
        Text("order_id_with_newline", O, n => Order(n, orderId: $"\"BI-{n}\\nX\""), ReasonCodes.InvalidChars);
        Text("order_product_name_too_long", O, n => Order(n, productName: J(new string('n', 600))), ReasonCodes.TooLong);
        Text("order_sql_injection_name", O, n => Order(n, productName: J("Shari'); DROP TABLE ORDERS; --")), null);
        Text("order_html_injection_name", O, n => Order(n, productName: J("<b onmouseover=\"alert(1)\">Panjabi</b>")), null);
        Text("order_price_many_decimals", O, n => Order(n, price: "1250.123456789"), null);

        // Weather.
        Text("weather_truncated", W, n => Weather(n)[..20], ReasonCodes.MalformedJson);
        Text("weather_humidity_over_100", W, n => Weather(n, humidity: "150"), ReasonCodes.OutOfRange);
        Text("weather_temperature_words", W, n => Weather(n, temperature: "\"hot\""), ReasonCodes.WrongType);
        Text("weather_temperature_absurd", W, n => Weather(n, temperature: "-500"), ReasonCodes.OutOfRange);
        Text("weather_temperature_overflow", W, n => Weather(n, temperature: "-1e999"), ReasonCodes.NonFinite);
        Text("weather_empty_city", W, n => Weather(n, city: "\"\""), ReasonCodes.MissingField);
        Text("weather_extreme_heat", W, n => Weather(n, temperature: "45.5"), null);
        return kinds;
    }

    private static byte[] Splice(byte[] source, byte[] marker, byte[] replacement)
    {
        var at = source.AsSpan().IndexOf(marker);
        return [.. source[..at], .. replacement, .. source[(at + marker.Length)..]];
    }
}
