namespace MillionX.Pipeline.Contracts;

/// <summary>
/// Reads an anonymised order as the privacy shield writes it, with one <see cref="Utf8JsonReader"/> pass and no
/// intermediate objects. System.Text.Json binds the record's <c>required</c>/<c>init</c> properties through its
/// constructor-argument path (every value boxed into an argument array, then the object built), and the warehouse sink
/// and the context-enricher parse every order. Anything this reader is not sure of (an unknown, duplicate or escaped
/// property name, a JSON null or another token type where a value is expected, a missing required property, a number
/// or date that does not read, malformed JSON or invalid UTF-8) gives null, and the caller parses the record with System.Text.Json
/// instead, so the outcome, the order or the error, is the serializer's own.
/// </summary>
internal static class AnonymisedOrderReader
{
    private const int Platform = 1 << 0, OrderId = 1 << 1, MerchantId = 1 << 2, ProductId = 1 << 3, ProductName = 1 << 4, Quantity = 1 << 5,
        Price = 1 << 6, Currency = 1 << 7, OrderStatus = 1 << 8, Phone = 1 << 9, Timestamp = 1 << 10, HashKeyId = 1 << 11, LineId = 1 << 12,
        UpdatedAt = 1 << 13;

    private const int Required = Platform | OrderId | MerchantId | ProductId | ProductName | Quantity | Price | Currency | OrderStatus | Timestamp | HashKeyId;

    /// <summary>The JSON names (<see cref="ContractJson"/>: snake_case) in the order the serializer writes them, for <see cref="JsonFieldNames"/>.</summary>
    private static readonly (byte[] Name, int Field)[] Names =
    [
        ("platform"u8.ToArray(), Platform), ("order_id"u8.ToArray(), OrderId), ("merchant_id"u8.ToArray(), MerchantId),
        ("product_id"u8.ToArray(), ProductId), ("product_name"u8.ToArray(), ProductName), ("quantity"u8.ToArray(), Quantity),
        ("price"u8.ToArray(), Price), ("currency"u8.ToArray(), Currency), ("order_status"u8.ToArray(), OrderStatus),
        ("customer_phone_hash"u8.ToArray(), Phone), ("timestamp"u8.ToArray(), Timestamp), ("hash_key_id"u8.ToArray(), HashKeyId),
        ("line_id"u8.ToArray(), LineId), ("updated_at"u8.ToArray(), UpdatedAt),
    ];

    public static AnonymisedOrder? TryRead(ReadOnlySpan<byte> json)
    {
        try
        {
            return Read(json);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // GetString on a value that is not valid UTF-8: the serializer reports it as malformed JSON.
            return null;
        }
    }

    private static AnonymisedOrder? Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        string? platform = null, orderId = null, merchantId = null, productId = null, productName = null, currency = null, status = null, phone = null,
            keyId = null, lineId = null;
        int quantity = 0;
        decimal price = 0;
        DateTimeOffset timestamp = default;
        DateTimeOffset? updatedAt = null;
        var (seen, next) = (0, 0);
        int field;
        while ((field = JsonFieldNames.Next(ref reader, Names, ref seen, ref next)) > 0)
        {
            var token = reader.TokenType;
            switch (field)
            {
                case Quantity:
                    if (token != JsonTokenType.Number || !reader.TryGetInt32(out quantity))
                    {
                        return null;
                    }

                    break;
                case Price:
                    if (token != JsonTokenType.Number || !reader.TryGetDecimal(out price))
                    {
                        return null;
                    }

                    break;
                case Timestamp:
                    if (token != JsonTokenType.String || !reader.TryGetDateTimeOffset(out timestamp))
                    {
                        return null;
                    }

                    break;
                case UpdatedAt:
                    if (token == JsonTokenType.String && reader.TryGetDateTimeOffset(out var at))
                    {
                        updatedAt = at;
                    }
                    else if (token != JsonTokenType.Null)
                    {
                        return null;
                    }

                    break;
                case Phone:
                    if (token == JsonTokenType.String)
                    {
                        phone = reader.GetString();
                    }
                    else if (token != JsonTokenType.Null)
                    {
                        return null;
                    }

                    break;
                default:
                    if (token != JsonTokenType.String)
                    {
                        return null;
                    }

                    // An order's and a line's ids are new in every record; the other values repeat (a catalogue's
                    // products, a few merchants, platforms and statuses, one key id).
                    var text = field is OrderId or LineId ? reader.GetString() : SharedStrings.Read(ref reader);
                    _ = field switch
                    {
                        Platform => platform = text,
                        OrderId => orderId = text,
                        MerchantId => merchantId = text,
                        ProductId => productId = text,
                        ProductName => productName = text,
                        Currency => currency = text,
                        OrderStatus => status = text,
                        HashKeyId => keyId = text,
                        _ => lineId = text,
                    };
                    break;
            }
        }

        if (field < 0 || (seen & Required) != Required || !JsonFieldNames.AtEnd(ref reader))
        {
            return null;
        }

        return new AnonymisedOrder
        {
            Platform = platform!,
            OrderId = orderId!,
            MerchantId = merchantId!,
            ProductId = productId!,
            ProductName = productName!,
            Quantity = quantity,
            Price = price,
            Currency = currency!,
            OrderStatus = status!,
            CustomerPhoneHash = phone,
            Timestamp = timestamp,
            HashKeyId = keyId!,
            // Absent, the serializer leaves it null too (its constructor path sets every init property); readers use ?? "".
            LineId = lineId!,
            UpdatedAt = updatedAt,
        };
    }
}
