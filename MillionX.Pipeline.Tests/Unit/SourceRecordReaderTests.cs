using MillionX.Pipeline.Sources;
using MillionX.Pipeline.Stages.SampleSource;
using static MillionX.Pipeline.Tests.Unit.RawRecords;

namespace MillionX.Pipeline.Tests.Unit;

/// <summary>
/// The validator's one-pass fast path must give exactly what validation on a document gives (the record, or every
/// error), take the records sources really send, and step aside for everything else.
/// </summary>
public sealed class SourceRecordReaderTests
{
    private static readonly ValidationLimits Limits = new();

    private readonly RecordValidator _validator = Validator();

    /// <summary>Everything a result says: valid or not, each error's path, code and message, and the record as JSON.</summary>
    private static string Outcome<T>(ValidationResult<T> result)
        where T : class =>
        (result.IsValid ? "valid " : "invalid ") + string.Join(" | ", result.Errors.Select(e => $"{e.Path} {e.Code} {e.Message}"))
        + " " + (result.Value switch
        {
            SocialPost p => JsonSerializer.Serialize(p, ContractJson.Default.SocialPost),
            MarketOrder o => JsonSerializer.Serialize(o, ContractJson.Default.MarketOrder),
            _ => "",
        });

    private void AssertSameAsDocument(byte[] raw, string platform, bool social)
    {
        var (full, onDocument) = social
            ? (Outcome(_validator.ValidateSocialPost(raw, platform)), Outcome(_validator.ValidateSocialPostOnDocument(raw, platform)))
            : (Outcome(_validator.ValidateMarketOrder(raw, platform)), Outcome(_validator.ValidateMarketOrderOnDocument(raw, platform)));
        Assert.True(onDocument == full, $"{Text(raw)}\n  document: {onDocument}\n  fast:     {full}");
    }

    private static bool FastPathTakes(byte[] raw, string platform, bool social) => social
        ? SourceRecordReader.TryReadSocialPost(raw, Limits, Now, platform) is not null
        : SourceRecordReader.TryReadMarketOrder(raw, Limits, Now, platform) is not null;

    [Fact]
    public void GeneratedRecords_FastPathTakesEveryValidOne_SameAsTheDocument()
    {
        var generator = new SampleRecordGenerator(21, 0.3, [SourceKind.Tiktok, SourceKind.Facebook, SourceKind.Shopify, SourceKind.Daraz], new FixedClock(Now));
        var (valid, invalid) = (0, 0);
        for (var i = 0; i < 4_000; i++)
        {
            var sample = generator.Next();
            var social = sample.Kind is SourceKind.Tiktok or SourceKind.Facebook;
            AssertSameAsDocument(sample.Raw, sample.Kind.Name(), social);
            var isValid = social ? _validator.ValidateSocialPost(sample.Raw, sample.Kind.Name()).IsValid : _validator.ValidateMarketOrder(sample.Raw, sample.Kind.Name()).IsValid;
            Assert.Equal(isValid, FastPathTakes(sample.Raw, sample.Kind.Name(), social));
            _ = isValid ? valid++ : invalid++;
        }

        Assert.InRange(valid, 2_000, 4_000);
        Assert.InRange(invalid, 500, 2_000);
    }

    // Raw JSON values that test a rule's edges, tried in every field.
    private static readonly string[] Values =
    [
        "\"tiktok\"", "\"TikTok\"", "\" facebook \"", "\"shopify\"", "\"DARAZ\"", "\"instagram\"", "\"\"", "\"   \"", "\"a\"", "\"ab\"",
        "\"BDT\"", "\"bdt\"", "\"US\"", "\"USD1\"", "\"U$D\"", "\"paid\"", "\"Shipped\"", "\"lost\"",
        "\"  padded id  \"", "\"tab\\tinside\"", "\"line\\nbreak\"", "\"nul\\u0000\"", "\"zero\\u200Bwidth\"", "\"bidi\\u202Eover\"", "\"soft\\u2060join\"",
        "\"\\uFEFFbom\"", "\"\\u0041scaped\"", "\"\\ud800\"", "\"জামদানি শাড়ি\"", "\"emoji 🎉\"", "\"quote \\\" inside\"",
        "\"Eid er jonno notun collection\"", "\"\\u200B\\u200Bab\\u200B  \"", "\"a\\u00a0b\"",
        "\"" + new string('x', 40) + "\"", "\"" + new string('x', 41) + "\"", "\"" + new string('x', 100) + "\"", "\"" + new string('x', 101) + "\"",
        "\"" + new string('x', 128) + "\"", "\"" + new string('x', 129) + "\"",
        "0", "1", "-1", "2", "1.5", "1.0", "1e3", "4.5E3", "1E-2", "4500.50", "4500.500", "0.001", "100000", "100001", "100000000", "100000001",
        "100000000000", "100000000001", "99999999999999999999", "12345678901234567890123456789012345", "\"123\"", "\"NaN\"", "\"Infinity\"",
        "true", "false", "null", "[]", "{}", "{\"a\":1}",
        "[\"#dhaka\",\"#eid\"]", "[\" #padded \",\"\"]", "[\"  \"]", "[\"nul\\u0000\"]", "[1]", "[null]", "[[\"deep\"]]", "[\"" + new string('t', 101) + "\"]",
        "[" + string.Join(",", Enumerable.Repeat("\"t\"", 101)) + "]", "[" + string.Join(",", Enumerable.Repeat("\"t\"", 100)) + "]",
        "\"2026-11-24T09:00:00Z\"", "\"2026-11-24T09:00:00+06:00\"", "\"2026-11-24t09:00:00z\"", "\"2026-11-24T09:00:00\"", "\"2026-11-24\"",
        "\"Sat 2026-11-21 09:00\"", "\"2026-11-24T09:00:00.1234567Z\"", "\"2026-11-24T09:00:00.123456789+05:30\"", "\"2026-11-24 09:00:00Z\"",
        "\"2003-12-31T23:59:59Z\"", "\"2004-01-01T00:00:00Z\"", "\"2026-11-24T10:10:00Z\"", "\"2026-11-24T10:10:01Z\"", "\"24/11/2026 09:00 +06:00\"",
        "1764000000", "-62135596801", "253402300800", "1764000000.5", "1072915199", "1072915200",
    ];

    private static readonly string[] Names =
    [
        "platform", "post_id", "author_username", "content", "engagement_count", "timestamp", "hashtags", "product_mentions",
        "order_id", "merchant_id", "product_id", "product_name", "quantity", "price", "currency", "order_status", "customer_phone",
        "line_id", "updated_at", "extra", "Platform", "pl\\u0061tform",
    ];

    /// <summary>Every value in every field (and every field removed), one at a time, in a post and in an order.</summary>
    [Fact]
    public void EachFieldWithEachValue_SameAsTheDocument()
    {
        var (fast, full) = (0, 0);
        foreach (var social in new[] { true, false })
        {
            foreach (var name in Names)
            {
                foreach (var value in Values.Append(null))
                {
                    var raw = social ? Post((name, value)) : Order((name, value));
                    AssertSameAsDocument(raw, social ? "tiktok" : "shopify", social);
                    _ = FastPathTakes(raw, social ? "tiktok" : "shopify", social) ? fast++ : full++;
                }
            }
        }

        Assert.InRange(fast, 300, 4_000);
        Assert.InRange(full, 1_000, 5_000);
    }

    /// <summary>Several fields changed at once, the expected platform varied, and the JSON around the fields disturbed.</summary>
    [Fact]
    public void MutatedRecords_SameAsTheDocument()
    {
        var random = new Random(5);
        var (fast, full) = (0, 0);
        for (var i = 0; i < 4_000; i++)
        {
            var social = random.Next(2) == 0;
            var changes = new List<(string Key, string? Value)>();
            for (var n = random.Next(0, 4); n > 0; n--)
            {
                var name = Names[random.Next(Names.Length)];
                changes.Add((name, random.Next(8) == 0 ? null : Values[random.Next(Values.Length)]));
            }

            var raw = social ? Post([.. changes]) : Order([.. changes]);
            raw = random.Next(12) switch
            {
                0 => [.. "\uFEFF"u8, .. raw],
                1 => Encoding.UTF8.GetBytes(" \n" + Text(raw).Replace(",", " , ", StringComparison.Ordinal) + " \t"),
                2 => Encoding.UTF8.GetBytes(Text(raw) + " {}"),
                3 => Encoding.UTF8.GetBytes(Text(raw)[..^1] + ",\"platform\":\"tiktok\"}"),
                4 => Encoding.UTF8.GetBytes(Text(raw)[..^1] + ",}"),
                5 => raw[..^1],
                _ => raw,
            };
            var platform = random.Next(6) switch
            {
                0 => "facebook",
                1 => "daraz",
                _ => social ? "tiktok" : "shopify",
            };
            AssertSameAsDocument(raw, platform, social);
            _ = FastPathTakes(raw.AsSpan().StartsWith("\uFEFF"u8) ? raw[3..] : raw, platform, social) ? fast++ : full++;
        }

        // Both paths were exercised: the records the fast path took, and those it left to the document.
        Assert.InRange(fast, 500, 3_500);
        Assert.InRange(full, 500, 3_500);
    }

    [Fact]
    public void Limits_ApplyOnTheFastPathAsOnTheDocument()
    {
        var limits = new ValidationLimits { MaxJsonDepth = 1, MaxTagCount = 1, MaxTagLength = 5, MinContentChars = 50, MaxUsernameLength = 5, MaxQuantity = 1 };
        var validator = Validator(limits);
        foreach (var raw in new[] { Post(), Post(("hashtags", null), ("product_mentions", null)), Post(("hashtags", "[\"#ab\"]"), ("product_mentions", null)) })
        {
            Assert.Equal(Outcome(validator.ValidateSocialPostOnDocument(raw)), Outcome(validator.ValidateSocialPost(raw)));
        }

        Assert.Equal(Outcome(validator.ValidateMarketOrderOnDocument(Order(("quantity", "2")))), Outcome(validator.ValidateMarketOrder(Order(("quantity", "2")))));
        Assert.False(validator.ValidateMarketOrder(Order(("quantity", "2"))).IsValid);
        Assert.True(validator.ValidateMarketOrder(Order(("quantity", "1"))).IsValid);
        Assert.Equal(ReasonCodes.TooDeep, validator.ValidateSocialPost(Post()).Reason);
    }

    [Fact]
    public void TryRead_ABaselineRecord_IsTheFullValidatorsRecord()
    {
        var post = SourceRecordReader.TryReadSocialPost(Post(), Limits, Now, "tiktok");
        Assert.NotNull(post);
        Assert.Equal(["#dhaka", "#eid"], post.Hashtags);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero), post.Timestamp);

        var order = SourceRecordReader.TryReadMarketOrder(Order(("currency", "\"bdt\"")), Limits, Now, "shopify");
        Assert.NotNull(order);
        Assert.Equal("BDT", order.Currency);
        Assert.Equal(4500.50m, order.Price);
        Assert.Equal(TimeSpan.Zero, order.Timestamp.Offset);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero), order.Timestamp);
        Assert.Null(order.UpdatedAt);
    }

    public static TheoryData<string> LeftToTheDocument => new()
    {
        // Unknown property (the document ignores it), escaped name, a null optional value, an exponent, trailing content.
        Text(Post(("extra", "1"))),
        Text(Post(("pl\\u0061tform", "\"tiktok\""), ("platform", null))),
        Text(Post(("hashtags", "null"))),
        Text(Order(("price", "4.5E3"))),
        Text(Order()) + " x",
    };

    [Theory]
    [MemberData(nameof(LeftToTheDocument))]
    public void TryRead_AnythingUnusual_LeftToTheDocument(string json)
    {
        var raw = Encoding.UTF8.GetBytes(json);
        var social = json.Contains("post_id", StringComparison.Ordinal);
        Assert.False(FastPathTakes(raw, social ? "tiktok" : "shopify", social));
        AssertSameAsDocument(raw, social ? "tiktok" : "shopify", social);
    }
}
