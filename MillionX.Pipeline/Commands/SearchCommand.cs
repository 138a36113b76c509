namespace MillionX.Pipeline.Commands;

/// <summary><c>search "text" [--top 5] [--platform tiktok] [--json]</c>: embeds the text and prints the nearest posts.</summary>
public static class SearchCommand
{
    public static async Task<int> RunAsync(CommandLine cl, IEnumerable<KeyValuePair<string, string?>>? overrides = null, TextWriter? output = null)
    {
        output ??= Console.Out;
        var query = cl.Flag("query") ?? throw new ArgumentException("search needs a text: search \"eid shari offer\" [--top 5] [--platform tiktok] [--json]");
        // The parser has checked --top (1-1000) and --platform (tiktok or facebook).
        var top = cl.Value<int>("top") ?? 5;
        var platform = cl.Flag("platform")?.Trim().ToLowerInvariant();

        var builder = PipelineHostFactory.CreateBuilder(cl, overrides);
        builder.AddPipelineObservability(logsToStdErr: true, http: false, progress: false);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.Section);
        builder.AddEmbedder();
        builder.AddVectorStore();
        using var host = builder.Build();
        var store = host.Services.GetRequiredService<IVectorStore>();
        var embedder = host.Services.GetRequiredService<ITextEmbedder>();
        var vector = embedder.Embed([query])[0];
        var hits = await store.SearchAsync(vector, top, platform, CancellationToken.None);

        if (cl.Flag("json") is not null)
        {
            foreach (var h in hits)
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(h, SearchJson.Default.SearchHit));
            }
        }
        else
        {
            await output.WriteLineAsync($"{"score",-7} {"platform",-9} {"engagement",10}  {"time (UTC)",-16}  post_id / content");
            foreach (var h in hits)
            {
                var content = h.Content.Length > 100 ? h.Content[..99] + "…" : h.Content;
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{h.Score,-7:0.0000} {h.Platform,-9} {h.EngagementCount,10}  {h.Timestamp.UtcDateTime,-16:yyyy-MM-dd HH:mm}  {h.PostId}  {content}"));
            }

            await output.WriteLineAsync($"({hits.Count} result{(hits.Count == 1 ? "" : "s")} from the {store.Name} vector store)");
        }

        return 0;
    }
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(SearchHit))]
internal sealed partial class SearchJson : System.Text.Json.Serialization.JsonSerializerContext;
