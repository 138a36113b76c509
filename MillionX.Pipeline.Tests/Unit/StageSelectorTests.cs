using MillionX.Pipeline.Hosting;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class StageSelectorTests
{
    private static readonly string[] Known = ["sample-source", "dlq-monitor", "privacy-shield", "snowflake-sink"];

    private static readonly Dictionary<string, string[]> Profiles = new(StringComparer.Ordinal)
    {
        ["local"] = ["sample-source", "dlq-monitor"],
        ["ingest"] = ["sample-source"],
        ["sinks"] = ["snowflake-sink", "dlq-monitor"],
        ["empty"] = [],
    };

    private static readonly Dictionary<string, bool> NoOverrides = [];

    private static IReadOnlyList<SelectedStage> Select(string? profile = null, string? role = null, Dictionary<string, bool>? overrides = null) =>
        StageSelector.Select(Known, Profiles, profile, role, overrides ?? NoOverrides);

    private static StageSelectionException Fails(string? profile = null, string? role = null, Dictionary<string, bool>? overrides = null) =>
        Assert.Throws<StageSelectionException>(() => Select(profile, role, overrides));

    private static string[] Names(IReadOnlyList<SelectedStage> stages) => stages.Select(s => s.Name).ToArray();

    [Fact]
    public void Select_NamedProfile_RunsItsStagesWithProfileReason()
    {
        var stages = Select(profile: "sinks");

        Assert.Equal(["dlq-monitor", "snowflake-sink"], Names(stages));
        Assert.All(stages, s => Assert.Equal("profile 'sinks'", s.Reason));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Select_NoProfile_DefaultsToLocal(string? profile)
    {
        var stages = Select(profile: profile);

        Assert.Equal(["dlq-monitor", "sample-source"], Names(stages));
        Assert.All(stages, s => Assert.Equal("profile 'local'", s.Reason));
    }

    [Theory]
    [InlineData("INGEST")]
    [InlineData(" Ingest ")]
    public void Select_ProfileNameInAnyCase_Matches(string profile)
    {
        var stage = Assert.Single(Select(profile: profile));

        Assert.Equal(new SelectedStage("sample-source", "profile 'ingest'"), stage);
    }

    [Theory]
    [InlineData("prod", null, "'prod'", "empty, ingest, local, sinks")]
    [InlineData(null, "scraper", "'scraper'", "dlq-monitor, privacy-shield, sample-source, snowflake-sink")]
    public void Select_UnknownProfileOrRole_ErrorNamesItAndListsTheValidOnes(string? profile, string? role, string named, string valid)
    {
        var ex = Fails(profile, role);

        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
        Assert.Contains(valid, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_NoProfileAndNoLocalProfile_ErrorNamesLocal()
    {
        var ex = Assert.Throws<StageSelectionException>(() =>
            StageSelector.Select(Known, new Dictionary<string, string[]> { ["stream"] = ["dlq-monitor"] }, null, null, NoOverrides));

        Assert.Contains("'local'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("stream", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_Role_RunsExactlyThatStage()
    {
        var stage = Assert.Single(Select(profile: "local", role: "privacy-shield"));

        Assert.Equal(new SelectedStage("privacy-shield", "role flag"), stage);
    }

    [Fact]
    public void Select_RoleInAnyCase_ReturnsCanonicalName()
    {
        Assert.Equal("dlq-monitor", Assert.Single(Select(role: " DLQ-Monitor ")).Name);
    }

    [Fact]
    public void Select_RoleWithUnknownProfile_IgnoresProfile()
    {
        Assert.Equal("sample-source", Assert.Single(Select(profile: "does-not-exist", role: "sample-source")).Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Select_BlankRole_UsesProfile(string role)
    {
        Assert.Equal(["sample-source"], Names(Select(profile: "ingest", role: role)));
    }

    [Fact]
    public void Select_EnabledTrueOverride_AddsStageWithOverrideReason()
    {
        var stages = Select(profile: "ingest", overrides: new() { ["privacy-shield"] = true });

        Assert.Equal(
            [new SelectedStage("privacy-shield", "Stages:privacy-shield:Enabled=true"), new SelectedStage("sample-source", "profile 'ingest'")],
            stages);
    }

    [Fact]
    public void Select_EnabledTrueOverrideOnRole_AddsSecondStage()
    {
        Assert.Equal(["dlq-monitor", "sample-source"], Names(Select(role: "sample-source", overrides: new() { ["dlq-monitor"] = true })));
    }

    [Fact]
    public void Select_EnabledFalseOverride_RemovesStage()
    {
        Assert.Equal(["sample-source"], Names(Select(profile: "local", overrides: new() { ["dlq-monitor"] = false })));
    }

    [Fact]
    public void Select_EnabledFalseForStageNotSelected_ChangesNothing()
    {
        Assert.Equal(["dlq-monitor", "sample-source"], Names(Select(overrides: new() { ["snowflake-sink"] = false })));
    }

    [Fact]
    public void Select_OverrideNameInAnyCase_AppliesToCanonicalStage()
    {
        var stages = Select(profile: "local", overrides: new() { ["DLQ-MONITOR"] = false, ["Privacy-Shield"] = true });

        Assert.Equal(["privacy-shield", "sample-source"], Names(stages));
        Assert.Equal("Stages:privacy-shield:Enabled=true", stages[0].Reason);
    }

    [Fact]
    public void Select_OverrideNamesUnknownStage_Error()
    {
        var ex = Fails(overrides: new() { ["weaviate-sink"] = true });

        Assert.Contains("weaviate-sink", ex.Message, StringComparison.Ordinal);
        Assert.Contains("sample-source", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_OverrideNamesUnknownStageEvenWhenDisabled_Error()
    {
        Assert.Contains("old-stage", Fails(overrides: new() { ["old-stage"] = false }).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_ProfileNamesUnknownStage_ErrorNamesProfileAndStage()
    {
        var profiles = new Dictionary<string, string[]> { ["local"] = ["sample-source", "ghost"] };

        var ex = Assert.Throws<StageSelectionException>(() => StageSelector.Select(Known, profiles, "local", null, NoOverrides));

        Assert.Contains("'local'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'ghost'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_ProfileStagesInAnyCase_ReturnCanonicalNames()
    {
        var profiles = new Dictionary<string, string[]> { ["local"] = ["SAMPLE-SOURCE", "Dlq-Monitor"] };

        Assert.Equal(["dlq-monitor", "sample-source"], Names(StageSelector.Select(Known, profiles, null, null, NoOverrides)));
    }

    [Fact]
    public void Select_EmptyProfile_Error()
    {
        Assert.Contains("No stage", Fails(profile: "empty").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_EverythingDisabled_Error()
    {
        Fails(profile: "local", overrides: new() { ["sample-source"] = false, ["dlq-monitor"] = false });
        Fails(role: "privacy-shield", overrides: new() { ["privacy-shield"] = false });
    }

    [Fact]
    public void Select_EmptyProfileWithEnabledOverride_RunsOverriddenStage()
    {
        Assert.Equal(["snowflake-sink"], Names(Select(profile: "empty", overrides: new() { ["snowflake-sink"] = true })));
    }

    [Fact]
    public void Select_Result_IsSortedByName()
    {
        var names = Names(Select(profile: "local", overrides: new() { ["snowflake-sink"] = true, ["privacy-shield"] = true }));

        Assert.Equal(names.Order(StringComparer.Ordinal).ToArray(), names);
        Assert.Equal(4, names.Length);
    }
}
