namespace MillionX.Pipeline.Sources;

/// <summary>A raw source record after validation: the canonical bytes for its topic, or the rules it broke.</summary>
public sealed record GateResult(SourceKind Kind, byte[]? Key, byte[]? Value, IReadOnlyList<ValidationError> Errors)
{
    public bool Accepted => Value is not null;

    public string? Reason => Errors.Count > 0 ? Errors[0].Code : null;
}

/// <summary>
/// The one validation path for every source (live sources, the sample source, the ingest command). Pure: no I/O.
/// </summary>
public sealed class SourceGate(RecordValidator validator)
{
    /// <summary>The gate's limits, for readers behind it that check again.</summary>
    public ValidationLimits Limits => validator.Limits;

    public GateResult Admit(SourceKind kind, ReadOnlySpan<byte> raw)
    {
        switch (kind)
        {
            case SourceKind.Tiktok or SourceKind.Facebook:
            {
                var r = validator.ValidateSocialPost(raw, kind.Name());
                return r.IsValid
                    ? new(kind, Encoding.UTF8.GetBytes(r.Value!.PostId), JsonSerializer.SerializeToUtf8Bytes(r.Value, ContractJson.Default.SocialPost), [])
                    : new(kind, null, null, r.Errors);
            }

            case SourceKind.Shopify or SourceKind.Daraz:
            {
                var r = validator.ValidateMarketOrder(raw, kind.Name());
                return r.IsValid
                    ? new(kind, Encoding.UTF8.GetBytes(r.Value!.OrderId), JsonSerializer.SerializeToUtf8Bytes(r.Value, ContractJson.Default.MarketOrder), [])
                    : new(kind, null, null, r.Errors);
            }

            default:
            {
                var r = validator.ValidateWeather(raw);
                return r.IsValid
                    ? new(kind, Encoding.UTF8.GetBytes(r.Value!.City.ToLowerInvariant()), JsonSerializer.SerializeToUtf8Bytes(r.Value, ContractJson.Default.WeatherData), [])
                    : new(kind, null, null, r.Errors);
            }
        }
    }
}
