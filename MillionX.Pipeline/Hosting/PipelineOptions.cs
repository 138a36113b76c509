namespace MillionX.Pipeline.Hosting;

/// <summary>The <c>Pipeline</c> section: which stages this process runs.</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>Name of a set in <see cref="Profiles"/>; <c>local</c> when empty.</summary>
    public string Profile { get; set; } = "local";

    /// <summary>
    /// Runs exactly these stages (also <c>--role</c> or <c>MILLIONX_ROLE</c>); overrides the profile. A stage name, a
    /// role group from <see cref="Roles"/>, or several of either separated by commas.
    /// </summary>
    public string? Role { get; set; }

    /// <summary>Named role groups: stages that share one container (e.g. <c>scrapers</c>, <c>market-sync</c>).</summary>
    public Dictionary<string, string[]> Roles { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Named stage sets.</summary>
    public Dictionary<string, string[]> Profiles { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
