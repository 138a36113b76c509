using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using MillionX.Pipeline.Hosting;
using YamlDotNet.RepresentationModel;

namespace MillionX.Pipeline.Tests.Deploy;

/// <summary>The repository's deploy artefacts (compose.yaml, Dockerfile, deploy/), read as the tools read them.</summary>
public static partial class RepoFiles
{
    private static readonly Lazy<string> RootDirectory = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MillionX.sln")) && File.Exists(Path.Combine(dir.FullName, "compose.yaml")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root (MillionX.sln + compose.yaml) above {AppContext.BaseDirectory}.");
    });

    public static string Root => RootDirectory.Value;

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>Every YAML document of a file as plain values: mappings, lists and scalar strings.</summary>
    public static IReadOnlyList<object?> YamlDocuments(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Select(d => Plain(d.RootNode)).Where(d => d is not null).ToList();
    }

    public static Dictionary<string, object?> Yaml(string text) =>
        Assert.IsType<Dictionary<string, object?>>(Assert.Single(YamlDocuments(text)));

    private static object? Plain(YamlNode node) => node switch
    {
        YamlMappingNode m => m.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => Plain(kv.Value), StringComparer.Ordinal),
        YamlSequenceNode s => s.Children.Select(Plain).ToList(),
        YamlScalarNode { Value: "" or "~" or "null", Style: YamlDotNet.Core.ScalarStyle.Plain } => null,
        YamlScalarNode v => v.Value,
        _ => throw new InvalidOperationException($"Unexpected YAML node {node.NodeType}"),
    };

    public static Dictionary<string, object?> Map(this object? value, string key) =>
        Assert.IsType<Dictionary<string, object?>>(Assert.IsType<Dictionary<string, object?>>(value)[key]);

    public static Dictionary<string, object?>? MapOrNull(this object? value, string key) =>
        value is Dictionary<string, object?> d && d.TryGetValue(key, out var v) ? v as Dictionary<string, object?> : null;

    public static List<object?> List(this object? value, string key) =>
        value is Dictionary<string, object?> d && d.TryGetValue(key, out var v) && v is List<object?> l ? l : [];

    public static string? Str(this object? value, string key) =>
        value is Dictionary<string, object?> d && d.TryGetValue(key, out var v) ? v as string : null;

    private static readonly Lazy<IConfigurationRoot> AppSettings = new(() =>
        new ConfigurationBuilder().AddJsonFile(PathOf("appsettings.json")).Build());

    public static IConfigurationRoot AppSettingsConfig => AppSettings.Value;

    public static IReadOnlyCollection<string> DeployableStages => StageCatalog.Names;

    /// <summary>The streaming roles: every processor stage.</summary>
    public static IReadOnlyList<string> StreamingStages =>
        StageCatalog.All.Where(s => s.Kind == StageKind.Processor).Select(s => s.Name).ToList();

    /// <summary>The live sources (sample-source is synthetic, for development).</summary>
    public static IReadOnlyList<string> LiveSourceStages =>
        StageCatalog.All.Where(s => s.Kind == StageKind.Source && s.Name != "sample-source").Select(s => s.Name).ToList();

    /// <summary>The stages a MILLIONX_ROLE / --role value selects, with the real appsettings.json's role groups.</summary>
    public static IReadOnlyList<string> StagesOfRole(string role)
    {
        var pipeline = AppSettingsConfig.GetSection(PipelineOptions.Section).Get<PipelineOptions>() ?? new PipelineOptions();
        return StageSelector.Select(DeployableStages, pipeline.Profiles, pipeline.Roles, null, role, new Dictionary<string, bool>())
            .Select(s => s.Name).ToList();
    }

    /// <summary>Environment-variable names that carry a secret (by the configuration keys' naming).</summary>
    public static bool LooksSecret(string envName) => SecretName().IsMatch(envName);

    // AppKey (Daraz's public app id) is not a secret; ApiKey, HashKey, PrivateKey ... are. Proxy URLs carry credentials.
    [GeneratedRegex("(HashKey|DeadLetterKey|ApiKey|PrivateKey|Token|Secret|Password|Passphrase|Proxies__\\d+)$", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
}
