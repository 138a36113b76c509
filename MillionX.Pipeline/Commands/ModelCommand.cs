namespace MillionX.Pipeline.Commands;

/// <summary>
/// <c>model</c>: resolves the configured embedding model now (finds or extracts it, makes and gates the int8 model
/// when <c>Embedding:Precision=int8</c>) into <c>Embedding:CacheDirectory</c>, and prints what the pipeline will run.
/// An image build runs it so containers start with the model ready; a user runs it to see which model is used.
/// </summary>
public static class ModelCommand
{
    public static async Task<int> RunAsync(CommandLine cl, IEnumerable<KeyValuePair<string, string?>>? overrides = null, TextWriter? output = null)
    {
        output ??= Console.Out;
        var builder = PipelineHostFactory.CreateQuietBuilder(cl, overrides);
        var options = builder.Configuration.GetSection(EmbeddingOptions.Section).Get<EmbeddingOptions>() ?? new EmbeddingOptions();
        var errors = Hosting.NestedValidation.Validate(options, EmbeddingOptions.Section).Select(r => r.ErrorMessage!).ToList();
        if (errors.Count > 0)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(EmbeddingOptions.Section, typeof(EmbeddingOptions), errors);
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        var model = EmbeddingRegistration.ResolveModel(options, http, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await output.WriteLineAsync($"model      {model.Describe()}");
        await output.WriteLineAsync($"file       {Path.GetFullPath(model.ModelPath)}");
        await output.WriteLineAsync($"sha256     {model.ModelSha256}");
        await output.WriteLineAsync($"source     {model.SourceSha256} ({model.PublishedVariant ?? "not a published all-MiniLM-L6-v2"})");
        await output.WriteLineAsync($"precision  {model.Precision}: {model.PrecisionNote}");
        await output.WriteLineAsync($"vocab      {model.VocabPath}{(model.IsPublishedVocab ? "" : " (NOT the published vocab.txt)")}");
        return 0;
    }
}
