using System.Text.Unicode;

namespace MillionX.Pipeline.Contracts;

/// <summary>
/// Strict validation of raw source records into the canonical contracts. Pure: bytes and a clock in, a result out.
/// Every violated rule is reported with its field path; nothing is coerced silently.
/// </summary>
public sealed class RecordValidator(ValidationLimits limits, TimeProvider clock)
{
    internal static readonly string[] SocialPlatforms = ["tiktok", "facebook"];
    internal static readonly string[] MarketPlatforms = ["shopify", "daraz"];
    internal static readonly string[] OrderStatuses =
        ["pending", "paid", "processing", "confirmed", "shipped", "delivered", "fulfilled", "cancelled", "refunded", "returned", "failed"];

    public ValidationLimits Limits => limits;

    public ValidationResult<SocialPost> ValidateSocialPost(ReadOnlySpan<byte> raw, string? expectedPlatform = null) =>
        Validate(raw, expectedPlatform, SourceRecordReader.TryReadSocialPost, ReadSocialPost);

    public ValidationResult<MarketOrder> ValidateMarketOrder(ReadOnlySpan<byte> raw, string? expectedPlatform = null) =>
        Validate(raw, expectedPlatform, SourceRecordReader.TryReadMarketOrder, ReadMarketOrder);

    public ValidationResult<WeatherData> ValidateWeather(ReadOnlySpan<byte> raw) =>
        Validate(raw, null, null, static (r, _) => ReadWeather(r));

    /// <summary>
    /// <see cref="ValidateSocialPost"/> without <see cref="SourceRecordReader"/>: every record read on a
    /// <see cref="JsonDocument"/>. For tests that hold the fast path to the full validator.
    /// </summary>
    internal ValidationResult<SocialPost> ValidateSocialPostOnDocument(ReadOnlySpan<byte> raw, string? expectedPlatform = null) =>
        Validate(raw, expectedPlatform, null, ReadSocialPost);

    /// <summary><see cref="ValidateMarketOrder"/> without <see cref="SourceRecordReader"/>, as <see cref="ValidateSocialPostOnDocument"/>.</summary>
    internal ValidationResult<MarketOrder> ValidateMarketOrderOnDocument(ReadOnlySpan<byte> raw, string? expectedPlatform = null) =>
        Validate(raw, expectedPlatform, null, ReadMarketOrder);

    /// <summary>
    /// Checks the bytes, tries <paramref name="fast"/> (one reader pass, a record only when every rule holds), and
    /// otherwise parses the record and <paramref name="read"/> reads its fields: the record, or every rule it broke.
    /// </summary>
    private ValidationResult<T> Validate<T>(ReadOnlySpan<byte> raw, string? expectedPlatform, SourceRecordReader.Read<T>? fast, Func<FieldReader, string?, T?> read)
        where T : class
    {
        if (CheckBytes(ref raw) is { } byteErrors)
        {
            return ValidationResult<T>.Fail(byteErrors);
        }

        var now = clock.GetUtcNow();
        if (fast?.Invoke(raw, limits, now, expectedPlatform) is { } valid)
        {
            return ValidationResult<T>.Ok(valid);
        }

        if (Parse(raw, out var doc) is { } parseErrors)
        {
            return ValidationResult<T>.Fail(parseErrors);
        }

        using (doc)
        {
            var r = new FieldReader(doc!.RootElement, limits, now);
            return read(r, expectedPlatform) is { } record ? ValidationResult<T>.Ok(record) : ValidationResult<T>.Fail(r.Errors);
        }
    }

    private static SocialPost? ReadSocialPost(FieldReader r, string? expectedPlatform)
    {
        var platform = Platform(r, SocialPlatforms, expectedPlatform);
        var postId = r.String("post_id", 1, r.Limits.MaxIdLength);
        var author = r.String("author_username", 1, r.Limits.MaxUsernameLength);
        var content = r.String("content", 1, r.Limits.MaxContentLength, singleLine: false);
        if (content is not null && CountNonBlank(content, r.Limits.MinContentChars) < r.Limits.MinContentChars)
        {
            r.Errors.Add(new("$.content", ReasonCodes.TooShort, $"'content' must have at least {r.Limits.MinContentChars} non-blank characters"));
        }

        var engagement = r.Integer("engagement_count", 0, r.Limits.MaxEngagement);
        var ts = r.Timestamp("timestamp");
        var hashtags = r.StringList("hashtags");
        var mentions = r.StringList("product_mentions");
        return r.Errors.Count > 0 ? null : new SocialPost
        {
            Platform = platform!,
            PostId = postId!,
            AuthorUsername = author!,
            Content = content!,
            EngagementCount = engagement!.Value,
            Timestamp = ts!.Value,
            Hashtags = hashtags,
            ProductMentions = mentions,
        };
    }

    private static MarketOrder? ReadMarketOrder(FieldReader r, string? expectedPlatform)
    {
        var platform = Platform(r, MarketPlatforms, expectedPlatform);
        var orderId = r.String("order_id", 1, r.Limits.MaxIdLength);
        var merchantId = r.String("merchant_id", 1, r.Limits.MaxIdLength);
        var productId = r.String("product_id", 1, r.Limits.MaxIdLength);
        var productName = r.String("product_name", 1, r.Limits.MaxNameLength);
        var quantity = r.Integer("quantity", 1, r.Limits.MaxQuantity);
        var price = r.Decimal("price", 0m, r.Limits.MaxPrice);
        var currency = r.String("currency", 3, 3, required: false);
        if (currency is not null && !IsCurrencyCode(currency))
        {
            r.Errors.Add(new("$.currency", ReasonCodes.InvalidValue, "'currency' must be a 3-letter ISO 4217 code such as BDT"));
        }

        var status = r.Enum("order_status", OrderStatuses);
        var phone = r.String("customer_phone", 1, MaxPhoneLength, required: false);
        var ts = r.Timestamp("timestamp");
        var lineId = r.String("line_id", 1, r.Limits.MaxIdLength, required: false);
        var updatedAt = r.Timestamp("updated_at", required: false);
        return r.Errors.Count > 0 ? null : new MarketOrder
        {
            Platform = platform!,
            OrderId = orderId!,
            MerchantId = merchantId!,
            ProductId = productId!,
            ProductName = productName!,
            Quantity = (int)quantity!.Value,
            Price = price!.Value,
            Currency = CurrencyOrDefault(currency),
            OrderStatus = status!,
            CustomerPhone = phone,
            Timestamp = ts!.Value,
            LineId = lineId,
            UpdatedAt = updatedAt,
        };
    }

    private static WeatherData? ReadWeather(FieldReader r)
    {
        var city = r.String("city", 1, 100);
        var temperature = r.Number("temperature", -50, 60);
        var condition = r.String("condition", 1, 100);
        var humidity = r.Number("humidity", 0, 100);
        var wind = r.Number("wind_speed", 0, 120);
        var ts = r.Timestamp("timestamp");
        var extreme = r.Boolean("is_extreme_weather", required: false);
        return r.Errors.Count > 0 ? null : new WeatherData
        {
            City = city!,
            Temperature = temperature!.Value,
            Condition = condition!,
            Humidity = humidity!.Value,
            WindSpeed = wind!.Value,
            Timestamp = ts!.Value,
            IsExtremeWeather = extreme ?? WeatherRules.IsExtreme(temperature.Value, wind.Value, condition!),
        };
    }

    /// <summary>Checks size and UTF-8, and steps over a byte order mark; returns errors, or null and the JSON in <paramref name="raw"/>.</summary>
    private List<ValidationError>? CheckBytes(ref ReadOnlySpan<byte> raw)
    {
        if (raw.Length > limits.MaxRecordBytes)
        {
            return [new("$", ReasonCodes.Oversized, $"record is {raw.Length} bytes, the limit is {limits.MaxRecordBytes}")];
        }

        if (raw.StartsWith("\uFEFF"u8))
        {
            raw = raw[3..];
        }

        return Utf8.IsValid(raw) ? null : [new("$", ReasonCodes.InvalidUtf8, "record is not valid UTF-8")];
    }

    /// <summary>Checks JSON syntax, duplicate keys, depth and shape of checked bytes (<see cref="CheckBytes"/>); returns errors or a document.</summary>
    private List<ValidationError>? Parse(ReadOnlySpan<byte> raw, out JsonDocument? doc)
    {
        doc = null;
        try
        {
            // Copy: JsonDocument keeps a reference to the memory it parses.
            doc = JsonDocument.Parse(raw.ToArray(), new JsonDocumentOptions
            {
                MaxDepth = limits.MaxJsonDepth,
                AllowDuplicateProperties = false,
            });
        }
        catch (JsonException ex)
        {
            // Only the depth-limit message: a truncated record fails with "Expected depth to be zero ...", which is malformed_json.
            var code = ex.Message.Contains("maximum configured depth", StringComparison.OrdinalIgnoreCase) ? ReasonCodes.TooDeep
                : ex.Message.Contains("duplicate", StringComparison.OrdinalIgnoreCase) ? ReasonCodes.DuplicateKey
                : ReasonCodes.MalformedJson;
            var where = ex.BytePositionInLine is { } pos ? $" at byte {pos}" : "";
            return [new("$", code, code switch
            {
                ReasonCodes.TooDeep => $"JSON nests deeper than {limits.MaxJsonDepth} levels",
                ReasonCodes.DuplicateKey => "JSON object has a duplicated key" + where,
                _ => "malformed JSON" + where,
            })];
        }
        catch (InvalidOperationException)
        {
            // The duplicate-key check unescapes property names; an unpaired surrogate escape (\udc00) in a name is not text.
            return [new("$", ReasonCodes.MalformedJson, "malformed JSON: a property name holds an unpaired UTF-16 surrogate escape")];
        }

        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = doc.RootElement.ValueKind;
            doc.Dispose();
            doc = null;
            return [new("$", ReasonCodes.NotAnObject, $"record must be a JSON object, got {kind.ToString().ToLowerInvariant()}")];
        }

        return null;
    }

    /// <summary>The record's platform, one of <paramref name="allowed"/> and, when the source is known, that source's.</summary>
    private static string? Platform(FieldReader r, string[] allowed, string? expected)
    {
        var platform = r.Enum("platform", allowed);
        if (platform is not null && expected is not null && platform != expected)
        {
            r.Errors.Add(new("$.platform", ReasonCodes.PlatformMismatch, $"record says '{platform}' but came from the {expected} source"));
        }

        return platform;
    }

    /// <summary>Non-blank characters of <paramref name="s"/>, counted up to <paramref name="enough"/> (a post is long; the rule needs a few).</summary>
    internal static int CountNonBlank(string s, int enough)
    {
        var n = 0;
        foreach (var c in s)
        {
            if (!char.IsWhiteSpace(c) && ++n >= enough)
            {
                break;
            }
        }

        return n;
    }

    internal static bool IsCurrencyCode(string s) => s.Length == 3 && s.All(char.IsAsciiLetter);

    /// <summary>A customer's phone as written, at most this long (it is hashed, never stored).</summary>
    internal const int MaxPhoneLength = 40;

    /// <summary>The currency of an order that names none.</summary>
    internal const string DefaultCurrency = "BDT";

    /// <summary>An order's currency as stored: the code in upper case, or <see cref="DefaultCurrency"/>.</summary>
    internal static string CurrencyOrDefault(string? code) => code?.ToUpperInvariant() ?? DefaultCurrency;
}

/// <summary>The plan's extreme-weather rule.</summary>
public static class WeatherRules
{
    public static bool IsExtreme(double temperatureC, double windSpeedMs, string condition) =>
        temperatureC > 40 || temperatureC < 5 || windSpeedMs > 15
        || condition.Contains("rain", StringComparison.OrdinalIgnoreCase)
        || condition.Contains("storm", StringComparison.OrdinalIgnoreCase);
}
