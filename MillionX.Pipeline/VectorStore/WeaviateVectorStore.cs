using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Serialization.Metadata;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace MillionX.Pipeline.VectorStore;

/// <summary>A request Weaviate rejected (bad schema, unauthorised, GraphQL error): retrying will not help.</summary>
public sealed class WeaviateRequestException(string message, HttpStatusCode? status) : Exception(message)
{
    public HttpStatusCode? Status => status;
}

/// <summary>
/// Weaviate over its REST and GraphQL API on HttpClient (no Weaviate .NET client is available here).
/// Object ids are UUIDv5(<see cref="IdNamespace"/>, platform:post_id), so writing a post again replaces it: every retry is an upsert.
/// Batches go to <c>POST /v1/batch/objects</c>; a 200 answer can still report failed objects, and only those are resent.
/// The HttpClient's resilience handler (<see cref="VectorStoreRegistration.AddVectorStore"/>) retries 429, 408, 5xx,
/// timeouts and refused connections up to <see cref="WeaviateOptions.MaxAttempts"/>; what fails after that surfaces as
/// <see cref="TransientVectorStoreException"/>; other 4xx answers and GraphQL errors throw <see cref="WeaviateRequestException"/>.
/// Search scores are cosine similarity: the class is created with the cosine distance, whose distance is 1 - similarity,
/// so score = 1 - distance (or 2 * certainty - 1 when only certainty comes back).
/// </summary>
public sealed class WeaviateVectorStore(HttpClient http, WeaviateOptions options, TimeProvider clock, ILogger<WeaviateVectorStore> logger) : IVectorStore
{
    /// <summary>
    /// The UUIDv5 namespace for post ids. Fixed for ever: changing it would give every post a new id and duplicate the store.
    /// </summary>
    public static readonly Guid IdNamespace = new("c2670e8a-0cb1-4aa2-9c57-41f6637d0aad");

    /// <summary>The plan's SocialPost properties. Ids and platform use field tokenization so <c>Equal</c> matches the whole value.</summary>
    internal static readonly IReadOnlyList<WeaviateProperty> Properties =
    [
        new() { Name = "post_id", DataType = ["text"], Tokenization = "field" },
        new() { Name = "platform", DataType = ["text"], Tokenization = "field" },
        new() { Name = "content", DataType = ["text"] },
        new() { Name = "enriched_content", DataType = ["text"] },
        new() { Name = "timestamp", DataType = ["date"] },
        new() { Name = "engagement", DataType = ["int"] },
        new() { Name = "hashtags", DataType = ["text[]"], Tokenization = "field" },
        new() { Name = "matched_product_ids", DataType = ["text[]"], Tokenization = "field" },
    ];

    // Relative paths resolve under the base, so a Url with a path prefix (behind a proxy) keeps it.
    private readonly Uri _base = new(options.Url.EndsWith('/') ? options.Url : options.Url + "/");

    private readonly ResiliencePipeline _resendFailed = ResendFailedObjects(options, clock, logger);

    public string Name => "weaviate";

    public static Guid ObjectId(string platform, string postId) => Uuid5.Create(IdNamespace, $"{platform}:{postId}");

    /// <summary>GET /v1/.well-known/ready, one attempt: true when Weaviate answers 200.</summary>
    public async Task<bool> IsReadyAsync(CancellationToken ct)
    {
        try
        {
            await SendAsync("readiness probe", HttpMethod.Get, "v1/.well-known/ready", null, ct, once: true);
            return true;
        }
        catch (TransientVectorStoreException)
        {
            return false;
        }
    }

    public async Task EnsureSchemaAsync(CancellationToken ct)
    {
        var schema = Parse(await SendAsync("schema read", HttpMethod.Get, "v1/schema", null, ct), WeaviateJson.Default.WeaviateSchema);
        var existing = schema.Classes?.FirstOrDefault(c => c.Class == options.ClassName);
        if (existing is not null)
        {
            // Someone else's class is left alone; a missing property would only show up as per-object errors, so say so now.
            var missing = Properties.Select(p => p.Name).Except(existing.Properties?.Select(p => p.Name) ?? [], StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
            {
                logger.LogWarning("Weaviate class {Class} exists without properties {Missing}; leaving it unchanged", options.ClassName, missing);
            }

            return;
        }

        var definition = new WeaviateClass
        {
            Class = options.ClassName,
            Description = "Social posts with their sentence embeddings (vectors supplied by the pipeline)",
            Vectorizer = "none",
            VectorIndexConfig = new("cosine"),
            Properties = [.. Properties],
        };
        try
        {
            await SendAsync("schema create", HttpMethod.Post, "v1/schema", Serialize(definition, WeaviateJson.Default.WeaviateClass), ct);
            logger.LogInformation("Created Weaviate class {Class}", options.ClassName);
        }
        catch (WeaviateRequestException ex) when (ex.Status == HttpStatusCode.UnprocessableEntity && ex.Message.Contains("already exists", StringComparison.OrdinalIgnoreCase))
        {
            // Another replica (or our own retried request) created it first.
            logger.LogInformation("Weaviate class {Class} was created concurrently", options.ClassName);
        }
    }

    public async Task UpsertAsync(IReadOnlyList<VectorRecord> records, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(records);

        // One object per id: the last record for a post wins, as it would across two calls.
        var objects = new Dictionary<Guid, BatchObject>();
        foreach (var r in records)
        {
            ArgumentException.ThrowIfNullOrEmpty(r.PostId, nameof(records));
            CheckVector(r.Vector, $"post {r.PostId}");
            var id = ObjectId(r.Platform, r.PostId);
            objects.Remove(id);
            objects[id] = new BatchObject(options.ClassName, id,
                new SocialPostProperties(r.PostId, r.Platform, r.Content, r.EnrichedContent, r.Timestamp, r.EngagementCount, r.Hashtags ?? [], r.MatchedProductIds ?? []),
                r.Vector);
        }

        foreach (var chunk in objects.Values.Chunk(options.BatchSize))
        {
            await UpsertBatchAsync(chunk, ct);
        }
    }

    public async Task<IReadOnlyList<SearchHit>> SearchAsync(float[] query, int top, string? platform, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        CheckVector(query, "query");
        var body = await SendAsync("search", HttpMethod.Post, "v1/graphql",
            Serialize(new GraphQlRequest(SearchQuery(options.ClassName, query, top, platform)), WeaviateJson.Default.GraphQlRequest), ct);
        var response = Parse(body, WeaviateJson.Default.GetResponse);
        ThrowOnErrors(response.Errors, "search");
        var hits = response.Data?.Get?.GetValueOrDefault(options.ClassName) ?? [];
        return hits
            .Select(h => new SearchHit(h.PostId ?? "", h.Platform ?? "", h.Content ?? "", h.Engagement ?? 0, h.Timestamp ?? default, Score(h.Additional)))
            .OrderByDescending(h => h.Score)
            .ToList();
    }

    public async Task<long> CountAsync(CancellationToken ct)
    {
        var query = $"{{ Aggregate {{ {options.ClassName} {{ meta {{ count }} }} }} }}";
        var body = await SendAsync("count", HttpMethod.Post, "v1/graphql", Serialize(new GraphQlRequest(query), WeaviateJson.Default.GraphQlRequest), ct);
        var response = Parse(body, WeaviateJson.Default.AggregateResponse);
        ThrowOnErrors(response.Errors, "count");
        var groups = response.Data?.Aggregate?.GetValueOrDefault(options.ClassName);
        return groups is [{ Meta.Count: { } count }, ..] ? count : 0;
    }

    // The HttpClient belongs to whoever created it (IHttpClientFactory).
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The GraphQL Get with nearVector, limit and an optional exact platform filter.</summary>
    internal static string SearchQuery(string className, float[] vector, int top, string? platform)
    {
        var q = new StringBuilder(vector.Length * 12 + 256);
        q.Append("{ Get { ").Append(className).Append("(nearVector: {vector: [");
        for (var i = 0; i < vector.Length; i++)
        {
            if (i > 0)
            {
                q.Append(',');
            }

            q.Append(vector[i].ToString("R", CultureInfo.InvariantCulture));
        }

        q.Append("]}, limit: ").Append(top.ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(platform))
        {
            // A JSON string literal is a valid GraphQL string literal, escapes included.
            q.Append(", where: {path: [\"platform\"], operator: Equal, valueText: ")
                .Append(JsonSerializer.Serialize(platform, WeaviateJson.Default.String)).Append('}');
        }

        q.Append(") { post_id platform content engagement timestamp _additional { id distance certainty } } } }");
        return q.ToString();
    }

    /// <summary>Cosine similarity from Weaviate's cosine distance (1 - similarity), or from certainty (1 - distance / 2).</summary>
    internal static double Score(GetAdditional? additional) => additional switch
    {
        { Distance: { } d } => 1 - d,
        { Certainty: { } c } => (2 * c) - 1,
        _ => double.NaN,
    };

    /// <summary>
    /// Weaviate's per-object validation errors ("invalid text property ...", "... validation ...", a vector of the
    /// wrong length) are permanent for that object; connection and timeout errors are not.
    /// </summary>
    internal static bool IsValidationError(string message) =>
        message.StartsWith("invalid ", StringComparison.OrdinalIgnoreCase)
        || message.Contains("validation", StringComparison.OrdinalIgnoreCase)
        || message.Contains("vector lengths don't match", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The 408, 429 and 5xx answers the resilience handler retries (with connection failures and timeouts).
    /// </summary>
    internal static bool IsTransient(HttpStatusCode status) => (int)status is 408 or 429 or >= 500;

    /// <summary>
    /// Writes a batch. Objects a 200 answer reports as not written for a passing reason are resent alone, with backoff,
    /// up to MaxAttempts batch requests in all (a Polly retry of its own: the HTTP handler sees a 200).
    /// </summary>
    private async Task UpsertBatchAsync(IReadOnlyList<BatchObject> batch, CancellationToken ct)
    {
        var pending = batch;
        try
        {
            await _resendFailed.ExecuteAsync(
                async token =>
                {
                    try
                    {
                        await WriteBatchOnceAsync(pending, token);
                    }
                    catch (PartialBatchException ex)
                    {
                        pending = ex.Failed;
                        throw;
                    }
                },
                ct);
        }
        catch (PartialBatchException ex)
        {
            throw new TransientVectorStoreException($"Weaviate batch of {ex.Failed.Count} objects failed after {options.MaxAttempts} attempts: {ex.Message}", ex);
        }
    }

    /// <summary>One batch request (with the HTTP client's retries); throws <see cref="PartialBatchException"/> with the objects still to send.</summary>
    private async Task WriteBatchOnceAsync(IReadOnlyList<BatchObject> pending, CancellationToken ct)
    {
        var body = await SendAsync($"batch of {pending.Count} objects", HttpMethod.Post, "v1/batch/objects", Serialize(new BatchRequest([.. pending]), WeaviateJson.Default.BatchRequest), ct);
        var results = Parse(body, WeaviateJson.Default.ListBatchObjectResult);
        var written = new HashSet<Guid>();
        var errors = new Dictionary<Guid, string>();
        foreach (var result in results)
        {
            if (result.Id is not { } id)
            {
                continue;
            }

            if (result.Result?.Errors?.Error is { Count: > 0 } error)
            {
                errors[id] = string.Join("; ", error.Select(e => e.Message));
            }
            else
            {
                written.Add(id);
            }
        }

        // An object the answer does not mention is not known to be written either.
        var failed = pending.Where(o => errors.ContainsKey(o.Id) || !written.Contains(o.Id)).ToList();
        if (failed.Count == 0)
        {
            return;
        }

        // A validation error is about the object itself: sending it again cannot help. The stage splits the batch
        // down to the refused objects and dead-letters them; the others have been written already.
        if (failed.All(o => errors.TryGetValue(o.Id, out var e) && IsValidationError(e)))
        {
            throw new Hosting.BatchRejectedException($"Weaviate refused {failed.Count} of {pending.Count} objects: {errors[failed[0].Id]}");
        }

        var first = errors.Values.FirstOrDefault() ?? "missing from the answer";
        throw new PartialBatchException($"{failed.Count} of {pending.Count} objects not written (first: {first})", failed);
    }

    /// <summary>
    /// One request through the resilience handler, which retries transient failures (none when <paramref name="once"/>);
    /// returns the body of a 2xx answer.
    /// </summary>
    private async Task<byte[]> SendAsync(string operation, HttpMethod method, string path, byte[]? json, CancellationToken ct, bool once = false)
    {
        var attempts = once ? 1 : options.MaxAttempts;
        using var request = new HttpRequestMessage(method, new Uri(_base, path));
        if (once)
        {
            request.SendOnce();
        }

        if (json is not null)
        {
            request.Content = new ByteArrayContent(json);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (Exception ex) when (HttpClientResilience.IsConnectionFailure(ex))
        {
            throw new TransientVectorStoreException($"Weaviate {operation} failed after {attempts} attempts: {ex.Message}", ex);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new TransientVectorStoreException($"Weaviate {operation} failed after {attempts} attempts: no answer within {options.HttpTimeout.TotalSeconds:0.###} s", ex);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                return body;
            }

            var status = (int)response.StatusCode;
            if (IsTransient(response.StatusCode))
            {
                throw new TransientVectorStoreException($"Weaviate {operation} failed after {attempts} attempts: HTTP {status} {ErrorText(body)}".TrimEnd());
            }

            throw new WeaviateRequestException($"Weaviate rejected {method} /{path}: HTTP {status} {ErrorText(body)}".TrimEnd(), response.StatusCode);
        }
    }

    private static string ErrorText(byte[] body)
    {
        try
        {
            var errors = JsonSerializer.Deserialize(body, WeaviateJson.Default.WeaviateErrors);
            if (errors?.Error is { Count: > 0 } list)
            {
                return string.Join("; ", list.Select(e => e.Message));
            }
        }
        catch (JsonException)
        {
            // Not Weaviate's error shape (a proxy's page, say): show the start of it.
        }

        var text = Encoding.UTF8.GetString(body).Trim();
        return text.Length > 300 ? text[..300] : text;
    }

    private static void ThrowOnErrors(List<WeaviateMessage>? errors, string operation)
    {
        if (errors is { Count: > 0 })
        {
            throw new WeaviateRequestException($"Weaviate {operation} failed: {string.Join("; ", errors.Select(e => e.Message))}", HttpStatusCode.OK);
        }
    }

    private static void CheckVector(float[]? vector, string what)
    {
        if (vector is null || vector.Length == 0 || !vector.All(float.IsFinite))
        {
            throw new ArgumentException($"The vector of {what} is empty or has a non-finite value.");
        }
    }

    private static byte[] Serialize<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToUtf8Bytes(value, type);

    private static T Parse<T>(byte[] body, JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(body, type) ?? throw new WeaviateRequestException("Empty answer from Weaviate", HttpStatusCode.OK);
        }
        catch (JsonException ex)
        {
            throw new WeaviateRequestException($"Unexpected answer from Weaviate: {ex.Message}", HttpStatusCode.OK);
        }
    }

    /// <summary>A 200 answer that reported some objects as not written for a passing reason; <see cref="Failed"/> are resent.</summary>
    private sealed class PartialBatchException(string message, IReadOnlyList<BatchObject> failed) : Exception(message)
    {
        public IReadOnlyList<BatchObject> Failed => failed;
    }

    private static ResiliencePipeline ResendFailedObjects(WeaviateOptions options, TimeProvider clock, ILogger logger)
    {
        if (options.MaxAttempts < 2)
        {
            return ResiliencePipeline.Empty;
        }

        var retries = HttpClientResilience.Retries.WithLabels(VectorStoreRegistration.HttpClientName);
        return new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<PartialBatchException>(),
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.InitialBackoff,
                MaxDelay = options.MaxBackoff,
                OnRetry = args =>
                {
                    retries.Inc();
                    logger.LogWarning("Weaviate batch attempt {Attempt} of {MaxAttempts}: {Failure}; resending those objects in {Delay:0.000} s",
                        args.AttemptNumber + 1, options.MaxAttempts, args.Outcome.Exception!.Message, args.RetryDelay.TotalSeconds);
                    return default;
                },
            })
            .Build();
    }
}
