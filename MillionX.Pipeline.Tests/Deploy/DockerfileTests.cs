using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using MillionX.Pipeline.Embedding;

namespace MillionX.Pipeline.Tests.Deploy;

/// <summary>The Dockerfile, parsed into its stages: model pinned and checked, non-root, one complete default image (Chromium included), an optional slim one.</summary>
public sealed partial class DockerfileTests
{
    /// <summary>One build stage: its FROM image, name and instructions (continuation lines joined).</summary>
    public sealed record Stage(string From, string? Name, List<(string Op, string Args)> Instructions)
    {
        public IEnumerable<string> Args(string op) => Instructions.Where(i => i.Op == op).Select(i => i.Args);
    }

    public static List<Stage> Stages()
    {
        var text = ContinuedLine().Replace(RepoFiles.Read("Dockerfile"), " ");
        var stages = new List<Stage>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var m = Instruction().Match(line);
            Assert.True(m.Success, $"not a Dockerfile instruction: {line}");
            var (op, args) = (m.Groups[1].Value.ToUpperInvariant(), m.Groups[2].Value.Trim());
            if (op == "FROM")
            {
                var from = FromLine().Match(args);
                stages.Add(new Stage(from.Groups[1].Value, from.Groups[2].Success ? from.Groups[2].Value : null, []));
            }
            else if (stages.Count > 0)
            {
                stages[^1].Instructions.Add((op, args));
            }
        }

        return stages;
    }

    private static Stage Named(string name) => Stages().Single(s => s.Name == name);

    /// <summary>ARG defaults of a stage.</summary>
    private static Dictionary<string, string> ArgDefaults(Stage stage) =>
        stage.Args("ARG").Select(a => a.Split('=', 2)).Where(a => a.Length == 2).ToDictionary(a => a[0], a => a[1], StringComparer.Ordinal);

    /// <summary>The ENV a stage sets, with its ARG defaults substituted.</summary>
    public static Dictionary<string, string> StageEnv(string name)
    {
        var stage = Named(name);
        var args = ArgDefaults(stage);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in stage.Args("ENV"))
        {
            foreach (Match kv in EnvPair().Matches(line))
            {
                env[kv.Groups[1].Value] = Variable().Replace(kv.Groups[2].Value.Trim('"'), v => args.GetValueOrDefault(v.Groups[1].Value, v.Value));
            }
        }

        return env;
    }

    [Fact]
    public void Model_ComesFromThePackageRestoreAndIsCheckedAgainstTheCodesHash()
    {
        var model = Named("model");
        Assert.Equal("build", model.From);
        Assert.Equal(PackagedMiniLm.Sha256, ArgDefaults(model)["MODEL_SHA256"]);

        // The app's own resolution prepares it (extract, int8, gate) into the cache the runtime image ships.
        var prepare = Assert.Single(model.Args("RUN"));
        Assert.Contains("dotnet /app/publish/MillionX.Pipeline.dll model --Embedding:CacheDirectory=/models", prepare, StringComparison.Ordinal);
        Assert.Contains("echo \"${MODEL_SHA256}  /models/${MODEL_SHA256}.onnx\" | sha256sum -c -", prepare, StringComparison.Ordinal);

        // Nothing is fetched from outside the package registries.
        var dockerfile = RepoFiles.Read("Dockerfile");
        Assert.DoesNotContain("huggingface", dockerfile, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(dockerfile.Split('\n'), l => l.TrimStart().StartsWith("RUN curl", StringComparison.Ordinal) || l.Contains("&& curl", StringComparison.Ordinal));
        Assert.Contains(PackagedMiniLm.PackageId, RepoFiles.Read("MillionX.Pipeline/MillionX.Pipeline.csproj"), StringComparison.Ordinal);
    }

    [Fact]
    public void Images_EveryShippedStageHasEveryArgEqualToTheCodesHash()
    {
        foreach (var stage in Stages())
        {
            if (ArgDefaults(stage).TryGetValue("MODEL_SHA256", out var sha))
            {
                Assert.Equal(PackagedMiniLm.Sha256, sha);
            }
        }
    }

    [Fact]
    public void Runtime_IsTheDefaultAndRunsNonRootWithTheBakedModel()
    {
        var runtime = Named("runtime");
        Assert.Contains(runtime.Args("COPY"), c => c == "--from=model /models /app/models");
        Assert.Contains(runtime.Args("COPY"), c => c == "--from=build /app/publish .");
        var env = StageEnv("runtime");
        Assert.Equal("/app/models", env["Embedding__CacheDirectory"]);
        Assert.DoesNotContain("Embedding__ModelPath", env.Keys);
        Assert.Equal("1654", env["APP_UID"]);
        Assert.Equal("$APP_UID", runtime.Args("USER").Single());
        Assert.Equal("[\"dotnet\", \"MillionX.Pipeline.dll\"]", runtime.Args("ENTRYPOINT").Single());

        // `docker build .` builds the last stage: the complete image, so every deployment gets every role.
        Assert.Equal("runtime", Stages()[^1].Name);
    }

    [Fact]
    public void Runtime_HasDebiansChromiumAndServesEveryRole()
    {
        var runtime = Named("runtime");
        Assert.StartsWith("debian:", runtime.From, StringComparison.Ordinal);
        Assert.Contains(runtime.Args("RUN"), r => r.Contains("apt-get install", StringComparison.Ordinal) && ChromiumPackage().IsMatch(r));
        var env = StageEnv("runtime");
        Assert.Equal(new MillionX.Pipeline.Stages.SocialScrapers.ScrapingOptions().ChromiumPath, env["Scraping__ChromiumPath"]);
        // No role baked in: the deployment picks it (MILLIONX_ROLE), scrapers included.
        Assert.Equal("", env["MILLIONX_ROLE"]);
    }

    [Fact]
    public void Slim_IsTheSameApplicationWithoutTheBrowser()
    {
        var slim = Named("slim");
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:", slim.From, StringComparison.Ordinal);
        Assert.DoesNotContain(slim.Args("RUN"), r => ChromiumPackage().IsMatch(r));
        Assert.Equal(Named("runtime").Args("COPY").Where(c => c.StartsWith("--from=build", StringComparison.Ordinal) || c.StartsWith("--from=model", StringComparison.Ordinal)), slim.Args("COPY"));
        Assert.Equal(Named("runtime").Args("ENTRYPOINT").Single(), slim.Args("ENTRYPOINT").Single());
        Assert.Equal("$APP_UID", slim.Args("USER").Single());
        // The same settings, but for the browser it does not have.
        var runtimeEnv = StageEnv("runtime").Where(e => e.Key.Contains("__", StringComparison.Ordinal) && e.Key != "Scraping__ChromiumPath");
        Assert.Equal(runtimeEnv.OrderBy(e => e.Key, StringComparer.Ordinal), StageEnv("slim").Where(e => e.Key.Contains("__", StringComparison.Ordinal)).OrderBy(e => e.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void DockerIgnore_KeepsSecretsOutOfTheBuildContext()
    {
        var ignored = RepoFiles.Read(".dockerignore").Split('\n').Select(l => l.Trim()).ToList();
        Assert.Contains(".env", ignored);
        Assert.Contains("secrets/", ignored);
    }

    private static string UrlIn(string run) => Url().Match(run).Value;

    [GeneratedRegex(@"\\\r?\n")]
    private static partial Regex ContinuedLine();

    [GeneratedRegex(@"^([A-Za-z]+)\s+(.*)$")]
    private static partial Regex Instruction();

    [GeneratedRegex(@"^(\S+)(?:\s+AS\s+(\S+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)=(""[^""]*""|\S*)")]
    private static partial Regex EnvPair();

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex Variable();

    [GeneratedRegex(@"\bchromium\b")]
    private static partial Regex ChromiumPackage();

    [GeneratedRegex(@"""https://[^""]+""")]
    private static partial Regex Url();
}
