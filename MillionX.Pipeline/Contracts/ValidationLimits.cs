namespace MillionX.Pipeline.Contracts;

/// <summary>Bounds a careful engineer puts on incoming records. Bound from <c>Validation</c>.</summary>
public sealed class ValidationLimits
{
    public const string Section = "Validation";

    /// <summary>Largest raw record accepted, in bytes; larger ones are dead-lettered as <c>oversized</c>.</summary>
    [System.ComponentModel.DataAnnotations.Range(1024, 900 * 1024)]
    public int MaxRecordBytes { get; set; } = 256 * 1024;

    [System.ComponentModel.DataAnnotations.Range(1, 256)]
    public int MaxJsonDepth { get; set; } = 16;

    public int MaxIdLength { get; set; } = 128;

    public int MaxUsernameLength { get; set; } = 100;

    public int MinContentChars { get; set; } = 5;

    public int MaxContentLength { get; set; } = 20_000;

    public int MaxTagCount { get; set; } = 100;

    public int MaxTagLength { get; set; } = 100;

    public int MaxNameLength { get; set; } = 500;

    public long MaxEngagement { get; set; } = 100_000_000_000;

    public int MaxQuantity { get; set; } = 100_000;

    public decimal MaxPrice { get; set; } = 100_000_000m;

    /// <summary>Timestamps before this are rejected as not sane.</summary>
    public DateTimeOffset EarliestTimestamp { get; set; } = new(2004, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>How far in the future a timestamp may be (clock skew between sources and us).</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(10);
}
