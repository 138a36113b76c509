namespace MillionX.Pipeline.Hosting;

/// <summary>Data annotations do not recurse into nested option objects; this does, prefixing the config path.</summary>
public static class NestedValidation
{
    public static IEnumerable<ValidationResult> Validate(object value, string path)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: true);
        return results.Select(r => new ValidationResult($"{path}: {r.ErrorMessage}", r.MemberNames.Select(m => $"{path}:{m}").ToList()));
    }
}
