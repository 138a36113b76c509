using System.Diagnostics.CodeAnalysis;
using TextVerdict = MillionX.Pipeline.Contracts.FieldReader.TextVerdict;

namespace MillionX.Pipeline.Contracts;

/// <summary>
/// The strict validator's fast path for the records every source sends (<see cref="SocialPost"/>,
/// <see cref="MarketOrder"/>): one <see cref="Utf8JsonReader"/> pass over bytes <see cref="RecordValidator"/> has already
/// checked (size, UTF-8), the same field rules as <see cref="FieldReader"/> (its own code: <see cref="FieldReader.CheckText"/>,
/// <see cref="FieldReader.EnumValue"/>, <see cref="FieldReader.CheckTag"/>, the timestamp rules), and no
/// <see cref="JsonDocument"/>, copy or error list. It gives a record only when every rule holds. Anything else gives null
/// and the record is validated on a document as before, so a bad record's errors (every rule it broke) are the full
/// validator's own: a broken rule, malformed JSON, nesting deeper than the limit, an unknown, duplicate or escaped
/// property name, a JSON null, a number with an exponent, a string that is not text (an unpaired surrogate escape).
/// </summary>
internal static class SourceRecordReader
{
    /// <summary>A fast path: the valid record, or null to validate it in full.</summary>
    public delegate T? Read<T>(ReadOnlySpan<byte> json, ValidationLimits limits, DateTimeOffset now, string? expectedPlatform)
        where T : class;

    // A post's fields.
    private const int Platform = 1 << 0, PostId = 1 << 1, Author = 1 << 2, Content = 1 << 3, Engagement = 1 << 4, PostTimestamp = 1 << 5,
        Hashtags = 1 << 6, Mentions = 1 << 7;

    private const int PostRequired = Platform | PostId | Author | Content | Engagement | PostTimestamp;

    // An order's fields (Platform as a post's).
    private const int OrderId = 1 << 1, MerchantId = 1 << 2, ProductId = 1 << 3, ProductName = 1 << 4, Quantity = 1 << 5, Price = 1 << 6,
        Currency = 1 << 7, Status = 1 << 8, Phone = 1 << 9, OrderTimestamp = 1 << 10, LineId = 1 << 11, UpdatedAt = 1 << 12;

    private const int OrderRequired = Platform | OrderId | MerchantId | ProductId | ProductName | Quantity | Price | Status | OrderTimestamp;

    /// <summary>The contract's JSON names (snake_case), for <see cref="JsonFieldNames"/>.</summary>
    private static readonly (byte[] Name, int Field)[] PostNames =
    [
        ("platform"u8.ToArray(), Platform), ("post_id"u8.ToArray(), PostId), ("author_username"u8.ToArray(), Author),
        ("content"u8.ToArray(), Content), ("engagement_count"u8.ToArray(), Engagement), ("timestamp"u8.ToArray(), PostTimestamp),
        ("hashtags"u8.ToArray(), Hashtags), ("product_mentions"u8.ToArray(), Mentions),
    ];

    private static readonly (byte[] Name, int Field)[] OrderNames =
    [
        ("platform"u8.ToArray(), Platform), ("order_id"u8.ToArray(), OrderId), ("merchant_id"u8.ToArray(), MerchantId),
        ("product_id"u8.ToArray(), ProductId), ("product_name"u8.ToArray(), ProductName), ("quantity"u8.ToArray(), Quantity),
        ("price"u8.ToArray(), Price), ("currency"u8.ToArray(), Currency), ("order_status"u8.ToArray(), Status),
        ("customer_phone"u8.ToArray(), Phone), ("timestamp"u8.ToArray(), OrderTimestamp), ("line_id"u8.ToArray(), LineId),
        ("updated_at"u8.ToArray(), UpdatedAt),
    ];

    public static SocialPost? TryReadSocialPost(ReadOnlySpan<byte> json, ValidationLimits limits, DateTimeOffset now, string? expectedPlatform) =>
        Guarded(json, limits, now, expectedPlatform, ReadPost);

    public static MarketOrder? TryReadMarketOrder(ReadOnlySpan<byte> json, ValidationLimits limits, DateTimeOffset now, string? expectedPlatform) =>
        Guarded(json, limits, now, expectedPlatform, ReadOrder);

    /// <summary><paramref name="read"/>, with malformed JSON and a string that is not text (an unpaired surrogate escape) as null.</summary>
    private static T? Guarded<T>(ReadOnlySpan<byte> json, ValidationLimits limits, DateTimeOffset now, string? expectedPlatform, Read<T> read)
        where T : class
    {
        try
        {
            return read(json, limits, now, expectedPlatform);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // The full validator names the field.
            return null;
        }
    }

    private static SocialPost? ReadPost(ReadOnlySpan<byte> json, ValidationLimits limits, DateTimeOffset now, string? expectedPlatform)
    {
        var reader = Open(json, limits);
        string? platform = null, postId = null, author = null, content = null;
        long engagement = 0;
        DateTimeOffset timestamp = default;
        List<string>? hashtags = null, mentions = null;
        var (seen, next) = (0, 0);
        int field;
        while ((field = JsonFieldNames.Next(ref reader, PostNames, ref seen, ref next)) > 0)
        {
            // A JSON null is read as absent by the full validator: left to it.
            var ok = reader.TokenType != JsonTokenType.Null && field switch
            {
                Platform => TryPlatform(ref reader, RecordValidator.SocialPlatforms, expectedPlatform, out platform),
                PostId => TryText(ref reader, 1, limits.MaxIdLength, singleLine: true, out postId),
                Author => TryText(ref reader, 1, limits.MaxUsernameLength, singleLine: true, out author),
                Content => TryText(ref reader, 1, limits.MaxContentLength, singleLine: false, out content)
                    && RecordValidator.CountNonBlank(content, limits.MinContentChars) >= limits.MinContentChars,
                Engagement => TryInteger(ref reader, 0, limits.MaxEngagement, out engagement),
                PostTimestamp => TryTimestamp(ref reader, limits, now, out timestamp),
                Hashtags => TryList(ref reader, limits, out hashtags),
                _ => TryList(ref reader, limits, out mentions),
            };
            if (!ok)
            {
                return null;
            }
        }

        if (field < 0 || (seen & PostRequired) != PostRequired || !JsonFieldNames.AtEnd(ref reader))
        {
            return null;
        }

        return new SocialPost
        {
            Platform = platform!,
            PostId = postId!,
            AuthorUsername = author!,
            Content = content!,
            EngagementCount = engagement,
            Timestamp = timestamp,
            Hashtags = hashtags ?? [],
            ProductMentions = mentions ?? [],
        };
    }

    private static MarketOrder? ReadOrder(ReadOnlySpan<byte> json, ValidationLimits limits, DateTimeOffset now, string? expectedPlatform)
    {
        var reader = Open(json, limits);
        string? platform = null, orderId = null, merchantId = null, productId = null, productName = null, currency = null, status = null, phone = null,
            lineId = null;
        long quantity = 0;
        decimal price = 0;
        DateTimeOffset timestamp = default, updatedAt = default;
        var (seen, next) = (0, 0);
        int field;
        while ((field = JsonFieldNames.Next(ref reader, OrderNames, ref seen, ref next)) > 0)
        {
            // A JSON null is read as absent by the full validator: left to it.
            var ok = reader.TokenType != JsonTokenType.Null && field switch
            {
                Platform => TryPlatform(ref reader, RecordValidator.MarketPlatforms, expectedPlatform, out platform),
                OrderId => TryText(ref reader, 1, limits.MaxIdLength, singleLine: true, out orderId),
                MerchantId => TryText(ref reader, 1, limits.MaxIdLength, singleLine: true, out merchantId),
                ProductId => TryText(ref reader, 1, limits.MaxIdLength, singleLine: true, out productId),
                ProductName => TryText(ref reader, 1, limits.MaxNameLength, singleLine: true, out productName),
                Quantity => TryInteger(ref reader, 1, limits.MaxQuantity, out quantity),
                Price => TryPrice(ref reader, limits.MaxPrice, out price),
                Currency => TryCurrency(ref reader, out currency),
                Status => TryEnum(ref reader, RecordValidator.OrderStatuses, out status),
                Phone => TryText(ref reader, 1, RecordValidator.MaxPhoneLength, singleLine: true, out phone),
                OrderTimestamp => TryTimestamp(ref reader, limits, now, out timestamp),
                LineId => TryText(ref reader, 1, limits.MaxIdLength, singleLine: true, out lineId),
                _ => TryTimestamp(ref reader, limits, now, out updatedAt),
            };
            if (!ok)
            {
                return null;
            }
        }

        if (field < 0 || (seen & OrderRequired) != OrderRequired || !JsonFieldNames.AtEnd(ref reader))
        {
            return null;
        }

        return new MarketOrder
        {
            Platform = platform!,
            OrderId = orderId!,
            MerchantId = merchantId!,
            ProductId = productId!,
            ProductName = productName!,
            Quantity = (int)quantity,
            Price = price,
            Currency = RecordValidator.CurrencyOrDefault(currency),
            OrderStatus = status!,
            CustomerPhone = phone,
            Timestamp = timestamp,
            LineId = lineId,
            UpdatedAt = (seen & UpdatedAt) != 0 ? updatedAt : null,
        };
    }

    /// <summary>A reader at the start of the record's object; depth is limited as the document's is.</summary>
    private static Utf8JsonReader Open(ReadOnlySpan<byte> json, ValidationLimits limits)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = limits.MaxJsonDepth });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            // Not an object: the full validator says what it is.
            throw new JsonException();
        }

        return reader;
    }

    private static bool TryText(ref Utf8JsonReader reader, int minLength, int maxLength, bool singleLine, [NotNullWhen(true)] out string? value)
    {
        value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return value is not null && FieldReader.CheckText(ref value, minLength, maxLength, singleLine) == TextVerdict.Ok;
    }

    /// <summary>
    /// One of <paramref name="allowed"/>: a value written exactly as allowed (no escape, no space, lower case) is
    /// matched on its bytes and is that string; any other spelling goes through <see cref="FieldReader.EnumValue"/>.
    /// </summary>
    private static bool TryEnum(ref Utf8JsonReader reader, string[] allowed, [NotNullWhen(true)] out string? value)
    {
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
        {
            foreach (var candidate in allowed)
            {
                if (Ascii.Equals(reader.ValueSpan, candidate))
                {
                    value = candidate;
                    return true;
                }
            }
        }

        value = TryText(ref reader, 1, FieldReader.MaxEnumLength, singleLine: true, out var text) ? FieldReader.EnumValue(text, allowed) : null;
        return value is not null;
    }

    /// <summary>A 3-letter code; "BDT" as written is matched on its bytes.</summary>
    private static bool TryCurrency(ref Utf8JsonReader reader, [NotNullWhen(true)] out string? value)
    {
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && reader.ValueSpan.SequenceEqual("BDT"u8))
        {
            value = RecordValidator.DefaultCurrency;
            return true;
        }

        return TryText(ref reader, 3, 3, singleLine: true, out value) && RecordValidator.IsCurrencyCode(value);
    }

    private static bool TryPlatform(ref Utf8JsonReader reader, string[] allowed, string? expected, [NotNullWhen(true)] out string? value) =>
        TryEnum(ref reader, allowed, out value) && (expected is null || value == expected);

    private static bool TryInteger(ref Utf8JsonReader reader, long min, long max, out long value)
    {
        value = 0;
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out value) && value >= min && value <= max;
    }

    /// <summary>
    /// A price above 0 and at most <paramref name="max"/>. A number with an exponent is left to the document, which reads
    /// those in a notation of its own.
    /// </summary>
    private static bool TryPrice(ref Utf8JsonReader reader, decimal max, out decimal value)
    {
        value = 0;
        return reader.TokenType == JsonTokenType.Number && !reader.HasValueSequence && reader.ValueSpan.IndexOfAny((byte)'e', (byte)'E') < 0
            && reader.TryGetDecimal(out value) && value > 0m && value <= max;
    }

    /// <summary>RFC 3339 text with an offset, or whole epoch seconds, within the window; in UTC as the full validator gives it.</summary>
    private static bool TryTimestamp(ref Utf8JsonReader reader, ValidationLimits limits, DateTimeOffset now, out DateTimeOffset value)
    {
        value = default;
        var read = reader.TokenType switch
        {
            JsonTokenType.Number => reader.TryGetInt64(out var secs) && FieldReader.TryEpochSeconds(secs, out value),
            JsonTokenType.String => FieldReader.TryTimestampText(reader.GetString()!, out value),
            _ => false,
        };
        if (!read || !FieldReader.InWindow(value, limits, now))
        {
            return false;
        }

        value = value.ToUniversalTime();
        return true;
    }

    /// <summary>An array of at most <c>MaxTagCount</c> strings, each kept or dropped by <see cref="FieldReader.CheckTag"/>.</summary>
    private static bool TryList(ref Utf8JsonReader reader, ValidationLimits limits, out List<string>? list)
    {
        list = null;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        var items = 0;
        var kept = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (++items > limits.MaxTagCount || reader.TokenType != JsonTokenType.String)
            {
                return false;
            }

            var s = reader.GetString()!;
            switch (FieldReader.CheckTag(ref s, limits.MaxTagLength))
            {
                case TextVerdict.Ok:
                    kept.Add(s);
                    break;
                case TextVerdict.TooShort:
                    break;
                default:
                    return false;
            }
        }

        list = kept;
        return true;
    }
}
