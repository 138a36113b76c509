using System.Reflection;
using Microsoft.Extensions.Configuration;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Sources;
using MillionX.Pipeline.Stages.SocialScrapers;

namespace MillionX.Pipeline.Tests.Deploy;

/// <summary>
/// appsettings.json tells the truth (#15 point 7): it has a section for every options class the code binds and for
/// every stage, and the sources' sections spell out every setting with the code's own default, so the file an
/// operator reads is what runs when nothing overrides it.
/// </summary>
public sealed class AppSettingsTests
{
    private static readonly Lazy<JsonDocument> File = new(() => JsonDocument.Parse(RepoFiles.Read("appsettings.json")));

    /// <summary>Every options class with a <c>Section</c> constant, by its section.</summary>
    public static TheoryData<string> BoundSections()
    {
        var data = new TheoryData<string>();
        foreach (var section in OptionsTypes().Keys.Order(StringComparer.Ordinal))
        {
            data.Add(section);
        }

        return data;
    }

    /// <summary>The sections the sources read: Sources, Scraping and each source stage's own.</summary>
    public static TheoryData<string> SourceSections()
    {
        var data = new TheoryData<string> { SourcesOptions.Section, ScrapingOptions.Section };
        foreach (var stage in RepoFiles.LiveSourceStages)
        {
            data.Add($"Stages:{stage}");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BoundSections))]
    public void BoundSection_IsInAppSettings(string section) =>
        Assert.True(Find(section) is not null, $"appsettings.json has no {section} section, which {OptionsTypes()[section].Name} binds");

    [Fact]
    public void EveryStage_HasItsSection()
    {
        Assert.All(StageCatalog.Names, name => Assert.True(Find($"Stages:{name}") is not null, $"appsettings.json has no Stages:{name} section"));
    }

    [Theory]
    [MemberData(nameof(SourceSections))]
    public void SourceSection_SpellsOutEverySettingWithTheCodesDefault(string section)
    {
        var type = section.EndsWith("-scraper", StringComparison.Ordinal) ? typeof(ScraperStageOptions) : OptionsTypes()[section];
        var json = Find(section);
        Assert.True(json is not null, $"appsettings.json has no {section} section");

        var missing = Settings(type, section).Where(key => Find(key) is null).ToList();
        Assert.True(missing.Count == 0, $"appsettings.json lacks {string.Join(", ", missing)}");

        // Bound as the host binds it, the section gives what the code gives with nothing configured.
        var bound = Activator.CreateInstance(type)!;
        new ConfigurationBuilder().AddJsonFile(RepoFiles.PathOf("appsettings.json")).Build().GetSection(section).Bind(bound);
        Assert.Equal(JsonSerializer.Serialize(Activator.CreateInstance(type), type), JsonSerializer.Serialize(bound, type));
    }

    [Theory]
    [MemberData(nameof(SourceSections))]
    public void SourceSection_EverySettingIsDocumented(string section)
    {
        var type = section.EndsWith("-scraper", StringComparison.Ordinal) ? typeof(ScraperStageOptions) : OptionsTypes()[section];
        var docs = RepoFiles.Read("docs/configuration.md");
        var undocumented = Settings(type, section)
            .Where(key => !docs.Contains($"`{key}`", StringComparison.Ordinal) && !docs.Contains($"`{key[(section.Length + 1)..]}`", StringComparison.Ordinal))
            .ToList();
        Assert.True(undocumented.Count == 0, $"docs/configuration.md does not document {string.Join(", ", undocumented)}");
    }

    [Fact]
    public void SettingsOf_NestedOptions_AreListedByPath()
    {
        var keys = Settings(typeof(SourcesOptions), "Sources").ToList();
        Assert.Contains("Sources:Once", keys);
        Assert.Contains("Sources:Checkpoints:Store", keys);
        Assert.Contains("Sources:Resilience:BreakerDuration", keys);
    }

    private static Dictionary<string, Type> OptionsTypes() => typeof(SourcesOptions).Assembly.GetTypes()
        .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
        .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
        .ToDictionary(x => (string)x.Field!.GetRawConstantValue()!, x => x.Type, StringComparer.Ordinal);

    /// <summary>The configuration keys a type binds: its public settable properties, nested option classes by path.</summary>
    private static IEnumerable<string> Settings(Type type, string prefix)
    {
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.SetMethod!.IsPublic))
        {
            var key = $"{prefix}:{p.Name}";
            if (p.PropertyType.IsClass && p.PropertyType != typeof(string) && p.PropertyType.GetConstructor(Type.EmptyTypes) is not null
                && !typeof(System.Collections.IEnumerable).IsAssignableFrom(p.PropertyType))
            {
                foreach (var nested in Settings(p.PropertyType, key))
                {
                    yield return nested;
                }
            }
            else
            {
                yield return key;
            }
        }
    }

    /// <summary>The JSON value at a configuration path (keys case-insensitive, as configuration reads them), or null.</summary>
    private static JsonElement? Find(string path)
    {
        var e = File.Value.RootElement;
        foreach (var part in path.Split(':'))
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var match = e.EnumerateObject().Where(p => string.Equals(p.Name, part, StringComparison.OrdinalIgnoreCase)).Select(p => (JsonElement?)p.Value).FirstOrDefault();
            if (match is null)
            {
                return null;
            }

            e = match.Value;
        }

        return e;
    }
}
