namespace MillionX.Pipeline.Contracts;

/// <summary>Reads the privacy shield's output back; a record that is not one is rejected (dead-lettered), never guessed at.</summary>
public static class AnonymisedParsing
{
    private static readonly ValidationLimits DefaultLimits = new();

    /// <summary>
    /// Anonymised orders come from the privacy shield; anything else on the topic is rejected, not guessed at. The gate's
    /// <paramref name="limits"/> apply again here: a record written onto the topic by anything but the gate cannot carry
    /// a value the warehouse's columns cannot hold (a price of 1e20 would fail DECIMAL(18,4) on every retry).
    /// </summary>
    public static AnonymisedOrder ParseOrder(byte[] value, ValidationLimits? limits = null)
    {
        limits ??= DefaultLimits;
        var order = AnonymisedOrderReader.TryRead(value) ?? Deserialize(value, ContractJson.Default.AnonymisedOrder, "an anonymised order");

        // Checked without allocating for a valid order (the warehouse sink parses every order it loads).
        List<ValidationError>? errors = null;
        void Add(ValidationError e) => (errors ??= []).Add(e);
        void TooLong(string name, string? v, int max)
        {
            if (v is { } text && text.Length > max)
            {
                Add(new("$." + name, ReasonCodes.TooLong, $"'{name}' is longer than {max}"));
            }
        }

        void Required(string name, string? v)
        {
            if (string.IsNullOrWhiteSpace(v))
            {
                Add(new("$." + name, ReasonCodes.MissingField, $"'{name}' is required"));
            }
        }

        if (order is null)
        {
            Add(new("$", ReasonCodes.NotAnObject, "not an anonymised order"));
        }
        else
        {
            if (order.Quantity <= 0 || order.Quantity > limits.MaxQuantity)
            {
                Add(new("$.quantity", ReasonCodes.OutOfRange, $"'quantity' must be in 1..{limits.MaxQuantity}"));
            }

            if (order.Price <= 0 || order.Price > limits.MaxPrice)
            {
                Add(new("$.price", ReasonCodes.OutOfRange, $"'price' must be > 0 and at most {limits.MaxPrice}"));
            }

            TooLong("order_id", order.OrderId, limits.MaxIdLength);
            TooLong("product_id", order.ProductId, limits.MaxIdLength);
            TooLong("product_name", order.ProductName, limits.MaxNameLength);
            TooLong("line_id", order.LineId, limits.MaxIdLength);
            Required("platform", order.Platform);
            Required("order_id", order.OrderId);
            Required("product_id", order.ProductId);
            Required("hash_key_id", order.HashKeyId);
        }

        return errors is null ? order! : throw new RecordRejectedException(errors);
    }

    public static AnonymisedPost ParsePost(byte[] value)
    {
        var post = Deserialize(value, ContractJson.Default.AnonymisedPost, "an anonymised post");

        var errors = new List<ValidationError>();
        if (post is null)
        {
            errors.Add(new("$", ReasonCodes.NotAnObject, "not an anonymised post"));
        }
        else
        {
            foreach (var (name, v) in new[] { ("platform", post.Platform), ("post_id", post.PostId), ("author_username_hash", post.AuthorUsernameHash), ("content", post.Content), ("hash_key_id", post.HashKeyId) })
            {
                if (string.IsNullOrWhiteSpace(v))
                {
                    errors.Add(new("$." + name, ReasonCodes.MissingField, $"'{name}' is required"));
                }
            }

            if (post.EngagementCount < 0)
            {
                errors.Add(new("$.engagement_count", ReasonCodes.OutOfRange, "'engagement_count' must be >= 0"));
            }
        }

        return errors.Count == 0 ? post! : throw new RecordRejectedException(errors);
    }

    public static EnrichedPost ParseEnriched(byte[] value)
    {
        var post = Deserialize(value, ContractJson.Default.EnrichedPost, "an enriched post");
        if (post is null || string.IsNullOrWhiteSpace(post.PostId) || string.IsNullOrWhiteSpace(post.EnrichedContent) || string.IsNullOrWhiteSpace(post.Platform))
        {
            throw new RecordRejectedException([new ValidationError("$", ReasonCodes.MissingField, "an enriched post needs post_id, platform and enriched_content")]);
        }

        return post;
    }

    private static T? Deserialize<T>(byte[] value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(value, type);
        }
        catch (JsonException ex)
        {
            throw new RecordRejectedException([new ValidationError("$", ReasonCodes.MalformedJson, $"not {what}: " + ex.Message.Split('.')[0])]);
        }
    }
}
