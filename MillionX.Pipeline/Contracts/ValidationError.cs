namespace MillionX.Pipeline.Contracts;

/// <summary>One violated rule: where (a JSON path such as <c>$.content</c>), which rule (a stable code) and why.</summary>
public sealed record ValidationError(string Path, string Code, string Message);

/// <summary>Stable reason codes; dead-letter counts and alerts are keyed by them.</summary>
public static class ReasonCodes
{
    public const string InvalidUtf8 = "invalid_utf8";
    public const string MalformedJson = "malformed_json";
    public const string TooDeep = "too_deep";
    public const string DuplicateKey = "duplicate_key";
    public const string Oversized = "oversized";
    public const string NotAnObject = "not_an_object";
    public const string MissingField = "missing_field";
    public const string WrongType = "wrong_type";
    public const string InvalidValue = "invalid_value";
    public const string OutOfRange = "out_of_range";
    public const string NonFinite = "non_finite";
    public const string TooShort = "too_short";
    public const string TooLong = "too_long";
    public const string TooMany = "too_many";
    public const string InvalidChars = "invalid_chars";
    public const string InvalidTimestamp = "invalid_timestamp";
    public const string TimestampOutOfRange = "timestamp_out_of_range";
    public const string PlatformMismatch = "platform_mismatch";

    /// <summary>The store refused the record itself (a value its column cannot hold), behind every check before it.</summary>
    public const string RejectedByStore = "rejected_by_store";
}

/// <summary>The outcome of validating one raw record: the canonical record, or every rule it broke.</summary>
public sealed class ValidationResult<T>
    where T : class
{
    private ValidationResult(T? value, IReadOnlyList<ValidationError> errors)
    {
        Value = value;
        Errors = errors;
    }

    public T? Value { get; }

    public IReadOnlyList<ValidationError> Errors { get; }

    public bool IsValid => Value is not null;

    /// <summary>The reason a dead letter is filed under: the first rule broken.</summary>
    public string? Reason => Errors.Count > 0 ? Errors[0].Code : null;

    public static ValidationResult<T> Ok(T value) => new(value, []);

    public static ValidationResult<T> Fail(IReadOnlyList<ValidationError> errors) => new(null, errors);
}

/// <summary>A record the stage cannot process: it is dead-lettered with these errors and its offset stored.</summary>
public sealed class RecordRejectedException(IReadOnlyList<ValidationError> errors)
    : Exception(errors.Count > 0 ? errors[0].Message : "record rejected")
{
    public IReadOnlyList<ValidationError> Errors => errors;
}
