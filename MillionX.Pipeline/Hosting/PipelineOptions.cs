namespace MillionX.Pipeline.Hosting;

/// <summary>The <c>Pipeline</c> section: which stages this process runs.</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>Name of a set in <see cref="Profiles"/>; <c>local</c> when empty.</summary>
    public string Profile { get; set; } = "local";

    /// <summary>Runs exactly this one stage (also <c>--role</c> or <c>MILLIONX_ROLE</c>); overrides the profile.</summary>
    public string? Role { get; set; }

    /// <summary>Named stage sets.</summary>
    public Dictionary<string, string[]> Profiles { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
