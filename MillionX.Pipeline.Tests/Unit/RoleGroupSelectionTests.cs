using MillionX.Pipeline.Hosting;

namespace MillionX.Pipeline.Tests.Unit;

/// <summary><c>--role</c> with a comma-separated list and with named role groups (<c>Pipeline:Roles</c>).</summary>
public sealed class RoleGroupSelectionTests
{
    private static readonly string[] Known = ["tiktok-scraper", "facebook-scraper", "shopify-sync", "daraz-sync", "weather", "dlq-monitor"];

    private static readonly Dictionary<string, string[]> Profiles = new(StringComparer.Ordinal) { ["local"] = ["dlq-monitor"] };

    private static readonly Dictionary<string, string[]> Groups = new(StringComparer.OrdinalIgnoreCase)
    {
        ["scrapers"] = ["tiktok-scraper", "facebook-scraper"],
        ["market-sync"] = ["shopify-sync", "daraz-sync"],
        ["broken"] = ["tiktok-scraper", "instagram-scraper"],
        ["nothing"] = [],
    };

    private static IReadOnlyList<SelectedStage> Select(string role, Dictionary<string, string[]>? groups = null, Dictionary<string, bool>? overrides = null) =>
        StageSelector.Select(Known, Profiles, groups ?? Groups, "local", role, overrides ?? []);

    private static string Fails(string role, Dictionary<string, string[]>? groups = null) =>
        Assert.Throws<StageSelectionException>(() => Select(role, groups)).Message;

    private static string[] Names(IReadOnlyList<SelectedStage> stages) => stages.Select(s => s.Name).ToArray();

    [Fact]
    public void Select_RoleGroup_RunsItsStagesWithGroupReason()
    {
        var stages = Select("scrapers");

        Assert.Equal(
            [new SelectedStage("facebook-scraper", "role group 'scrapers'"), new SelectedStage("tiktok-scraper", "role group 'scrapers'")],
            stages);
    }

    [Fact]
    public void Select_CommaSeparatedStages_RunsEach()
    {
        Assert.Equal(["daraz-sync", "weather"], Names(Select(" weather , DARAZ-SYNC ")));
    }

    [Fact]
    public void Select_GroupsAndStagesMixed_RunsTheUnionOnce()
    {
        var stages = Select("market-sync,weather,Shopify-Sync,scrapers");

        Assert.Equal(["daraz-sync", "facebook-scraper", "shopify-sync", "tiktok-scraper", "weather"], Names(stages));
        Assert.Equal("role group 'market-sync'", stages.Single(s => s.Name == "shopify-sync").Reason);
        Assert.Equal("role flag", stages.Single(s => s.Name == "weather").Reason);
    }

    [Fact]
    public void Select_GroupNameInAnyCase_Matches()
    {
        Assert.Equal(["daraz-sync", "shopify-sync"], Names(Select("Market-Sync")));
    }

    [Fact]
    public void Select_UnknownEntryInList_ErrorNamesEntryStagesAndGroups()
    {
        var message = Fails("weather,scraper");

        Assert.Contains("'scraper'", message, StringComparison.Ordinal);
        Assert.Contains("daraz-sync, dlq-monitor, facebook-scraper, shopify-sync, tiktok-scraper, weather", message, StringComparison.Ordinal);
        Assert.Contains("broken, market-sync, nothing, scrapers", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_UnknownRoleWithoutGroups_SaysNoneDefined()
    {
        Assert.Contains("none defined (Pipeline:Roles)", Fails("scrapers", groups: []), StringComparison.Ordinal);
    }

    [Fact]
    public void Select_GroupNamingUnknownStage_ErrorNamesGroupAndStage()
    {
        var message = Fails("broken");

        Assert.Contains("'broken'", message, StringComparison.Ordinal);
        Assert.Contains("'instagram-scraper'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_EmptyGroup_Error()
    {
        Assert.Contains("'nothing'", Fails("nothing"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(",")]
    [InlineData(" , ,")]
    public void Select_RoleOfOnlyCommas_Error(string role)
    {
        Assert.Contains("names no stage", Fails(role), StringComparison.Ordinal);
    }

    [Fact]
    public void Select_GroupWithNameOfStage_ErrorInsteadOfGuessing()
    {
        var groups = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase) { ["weather"] = ["weather", "dlq-monitor"] };

        Assert.Contains("Pipeline:Roles:weather", Fails("weather", groups), StringComparison.Ordinal);
    }

    [Fact]
    public void Select_GroupThenEnabledFalse_RemovesOneStage()
    {
        Assert.Equal(["tiktok-scraper"], Names(Select("scrapers", overrides: new() { ["facebook-scraper"] = false })));
    }
}
