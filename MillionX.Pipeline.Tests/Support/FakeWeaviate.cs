using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using MillionX.Pipeline.VectorStore;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>
/// An in-memory Weaviate speaking the documented REST shapes (/v1/schema, /v1/batch/objects, /v1/graphql Get nearVector and
/// Aggregate count, /v1/.well-known/ready). It checks what it receives and records anything off-contract in
/// <see cref="Violations"/>; searches compute cosine distance over what was written. Failures can be scripted.
/// </summary>
public sealed partial class FakeWeaviate : FakeApiServer<FakeWeaviate.Received>
{
    public const int Dimensions = 384;

    /// <summary>The plan's SocialPost properties and their Weaviate data types.</summary>
    public static readonly IReadOnlyDictionary<string, string> ExpectedProperties = new Dictionary<string, string>
    {
        ["post_id"] = "text", ["platform"] = "text", ["content"] = "text", ["enriched_content"] = "text",
        ["timestamp"] = "date", ["engagement"] = "int", ["hashtags"] = "text[]", ["matched_product_ids"] = "text[]",
    };

    private readonly string? _apiKey;
    private readonly List<Fault> _faults = [];
    private Fault? _outage;
    private readonly Dictionary<string, int> _objectFailures = [];
    private readonly HashSet<string> _invalidObjects = [];

    // Every request is recorded on arrival, before faults are applied, so a scripted 500 is listed too.
    private FakeWeaviate(string? apiKey)
        : base(stopTimeout: TimeSpan.FromSeconds(2)) => _apiKey = apiKey;

    public string Url => Address;

    public ConcurrentDictionary<string, JsonObject> Classes { get; } = new();

    public ConcurrentDictionary<(string Class, Guid Id), StoredObject> Objects { get; } = new();

    public SearchRequest? LastSearch { get; private set; }

    public IReadOnlyList<Received> BatchRequests => [.. Requests.Where(r => r.Method == "POST" && r.Path == "/v1/batch/objects")];

    public IReadOnlyList<Received> SchemaCreates => [.. Requests.Where(r => r.Method == "POST" && r.Path == "/v1/schema")];

    /// <summary>Starts on a free loopback port; with <paramref name="apiKey"/> every request needs <c>Authorization: Bearer apiKey</c>.</summary>
    public static async Task<FakeWeaviate> StartAsync(string? apiKey = null)
    {
        var fake = new FakeWeaviate(apiKey);
        await fake.ListenAsync(fake.HandleAsync);
        return fake;
    }

    /// <summary>The next <paramref name="times"/> requests whose path starts with <paramref name="pathPrefix"/> get this status.</summary>
    public void FailNext(int status, int times = 1, string pathPrefix = "/v1/batch/objects", int? retryAfterSeconds = null)
    {
        lock (Gate)
        {
            _faults.Add(new Fault(pathPrefix, times, status, retryAfterSeconds));
        }
    }

    /// <summary>The next <paramref name="times"/> matching requests never get an answer.</summary>
    public void HangNext(int times = 1, string pathPrefix = "/v1/batch/objects")
    {
        lock (Gate)
        {
            _faults.Add(new Fault(pathPrefix, times, null, null));
        }
    }

    /// <summary>
    /// From now until <see cref="EndOutage"/>, every request gets <paramref name="status"/> (500, 429 with
    /// <paramref name="retryAfterSeconds"/>, ...) or, with null, no answer at all: an outage that lasts as long as the test wants.
    /// </summary>
    public void StartOutage(int? status, int? retryAfterSeconds = null)
    {
        lock (Gate)
        {
            _outage = new Fault("/", int.MaxValue, status, retryAfterSeconds);
        }
    }

    public void EndOutage()
    {
        lock (Gate)
        {
            _outage = null;
        }
    }

    /// <summary>The next <paramref name="times"/> writes of these posts get a per-object error inside an HTTP 200 answer.</summary>
    public void FailObjects(int times, params string[] postIds)
    {
        lock (Gate)
        {
            foreach (var id in postIds)
            {
                _objectFailures[id] = times;
            }
        }
    }

    /// <summary>
    /// Every write of these posts is refused with a per-object validation error, as Weaviate refuses a property value its
    /// schema cannot take (the rest of the batch is written).
    /// </summary>
    public void RejectObjects(params string[] postIds)
    {
        lock (Gate)
        {
            _invalidObjects.UnionWith(postIds);
        }
    }

    /// <summary>Puts a class in the schema as if someone else had created it.</summary>
    public void SeedClass(JsonObject definition) => Classes[definition["class"]!.GetValue<string>()] = definition;

    public long Count(string className) => Objects.Keys.Count(k => k.Class == className);

    /// <summary>
    /// RFC 4122 v5 over <c>platform:post_id</c>, written independently of the product code: hex of the namespace, then
    /// SHA-1, then version and variant bits.
    /// </summary>
    public static Guid ExpectedId(string platform, string postId) => ExpectedId(platform + ":" + postId);

    private static Guid ExpectedId(string name)
    {
        var ns = Convert.FromHexString(WeaviateVectorStore.IdNamespace.ToString("N"));
#pragma warning disable CA5350 // UUIDv5 is defined over SHA-1.
        var hash = SHA1.HashData([.. ns, .. Encoding.UTF8.GetBytes(name)]);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return Guid.ParseExact(Convert.ToHexString(hash, 0, 16), "N");
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var method = ctx.Request.Method;
        var path = ctx.Request.Path.Value ?? "";
        string body;
        using (var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(ctx.RequestAborted);
        }

        var auth = ctx.Request.Headers.Authorization.Count > 0 ? ctx.Request.Headers.Authorization.ToString() : null;
        Record(new Received(method, path, auth, body));

        if (_apiKey is not null && auth != $"Bearer {_apiKey}")
        {
            await Error(ctx, 401, "anonymous access not enabled, please provide an auth scheme such as OIDC or API key");
            return;
        }

        var fault = TakeFault(path);
        if (fault is { Status: null })
        {
            await HangAsync(ctx);
            return;
        }

        if (fault is { Status: { } status })
        {
            if (fault.RetryAfterSeconds is { } seconds)
            {
                ctx.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            }

            await Error(ctx, status, $"scripted failure {status}");
            return;
        }

        switch (method, path)
        {
            case ("GET", "/v1/.well-known/ready"):
                ctx.Response.StatusCode = 200;
                return;
            case ("GET", "/v1/schema"):
                await WriteJsonAsync(ctx, 200, new JsonObject { ["classes"] = new JsonArray([.. Classes.Values.Select(c => c.DeepClone())]) });
                return;
            case ("POST", "/v1/schema"):
                await CreateClass(ctx, body);
                return;
            case ("POST", "/v1/batch/objects"):
                await Batch(ctx, body);
                return;
            case ("POST", "/v1/graphql"):
                await GraphQl(ctx, body);
                return;
            default:
                Violation($"unexpected {method} {path}");
                await Error(ctx, 404, "not found");
                return;
        }
    }

    private Fault? TakeFault(string path)
    {
        lock (Gate)
        {
            if (_outage is not null)
            {
                return _outage;
            }

            var fault = _faults.FirstOrDefault(f => f.Remaining > 0 && path.StartsWith(f.PathPrefix, StringComparison.Ordinal));
            if (fault is not null)
            {
                fault.Remaining--;
            }

            return fault;
        }
    }

    private async Task CreateClass(HttpContext ctx, string body)
    {
        var definition = JsonNode.Parse(body)!.AsObject();
        var name = definition["class"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name) || !char.IsUpper(name[0]))
        {
            Violation($"schema: bad class name '{name}'");
            await Error(ctx, 422, "class name is invalid");
            return;
        }

        if (definition["vectorizer"]?.GetValue<string>() != "none")
        {
            Violation($"schema: vectorizer is '{definition["vectorizer"]}', expected none");
        }

        var properties = definition["properties"]?.AsArray() ?? [];
        var types = properties.ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!["dataType"]!.AsArray().Single()!.GetValue<string>());
        foreach (var (property, type) in ExpectedProperties)
        {
            if (types.GetValueOrDefault(property) != type)
            {
                Violation($"schema: property {property} is '{types.GetValueOrDefault(property)}', expected {type}");
            }
        }

        if (!Classes.TryAdd(name, definition))
        {
            await Error(ctx, 422, $"class name \"{name}\" already exists");
            return;
        }

        await WriteJsonAsync(ctx, 200, definition.DeepClone());
    }

    private async Task Batch(HttpContext ctx, string body)
    {
        var objects = JsonNode.Parse(body)?["objects"]?.AsArray();
        if (objects is null)
        {
            Violation("batch: body has no objects array");
            await Error(ctx, 422, "objects is required");
            return;
        }

        var answer = new JsonArray();
        foreach (var node in objects)
        {
            var o = node!.AsObject();
            var echo = new JsonObject { ["class"] = o["class"]?.DeepClone(), ["id"] = o["id"]?.DeepClone(), ["properties"] = o["properties"]?.DeepClone() };
            var problem = CheckObject(o, out var className, out var id, out var vector, out var postId);
            if (problem is not null)
            {
                Violation($"batch: {problem}");
            }
            else if (TakeObjectFailure(postId!))
            {
                problem = "connection to: node2 failed: context deadline exceeded";
            }
            else if (IsInvalid(postId!))
            {
                problem = $"invalid text property 'content' on class '{className}': value exceeds the property's length limit";
            }
            else
            {
                Objects[(className!, id)] = new StoredObject(postId!, o["properties"]!.AsObject().DeepClone().AsObject(), vector!);
            }

            echo["creationTimeUnix"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            echo["result"] = problem is null
                ? new JsonObject()
                : new JsonObject { ["errors"] = new JsonObject { ["error"] = new JsonArray(new JsonObject { ["message"] = problem }) } };
            answer.Add(echo);
        }

        await WriteJsonAsync(ctx, 200, answer);
    }

    private string? CheckObject(JsonObject o, out string? className, out Guid id, out float[]? vector, out string? postId)
    {
        className = o["class"]?.GetValue<string>();
        id = Guid.Empty;
        vector = null;
        postId = null;
        if (className is null || !Classes.ContainsKey(className))
        {
            return $"class '{className}' not in the schema";
        }

        if (o["properties"] is not JsonObject props)
        {
            return "no properties";
        }

        foreach (var (property, type) in ExpectedProperties)
        {
            var value = props[property];
            var ok = type switch
            {
                "text" => value?.GetValueKind() == JsonValueKind.String,
                "text[]" => value is JsonArray a && a.All(x => x?.GetValueKind() == JsonValueKind.String),
                "int" => value?.GetValueKind() == JsonValueKind.Number && long.TryParse(value.ToJsonString(), CultureInfo.InvariantCulture, out _),
                "date" => value?.GetValueKind() == JsonValueKind.String && DateTimeOffset.TryParse(value.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
                _ => false,
            };
            if (!ok)
            {
                return $"property {property} is not a valid {type}: {value?.ToJsonString()}";
            }
        }

        postId = props["post_id"]!.GetValue<string>();
        var platform = props["platform"]!.GetValue<string>();
        if (!Guid.TryParseExact(o["id"]?.GetValue<string>(), "D", out id) || id != ExpectedId(platform, postId))
        {
            return $"id '{o["id"]}' is not UUIDv5 of '{platform}:{postId}' ({ExpectedId(platform, postId)})";
        }

        if (o["vector"] is not JsonArray v || v.Count != Dimensions || v.Any(x => x?.GetValueKind() != JsonValueKind.Number))
        {
            return $"vector of {postId} is not {Dimensions} numbers";
        }

        vector = [.. v.Select(x => x!.GetValue<float>())];
        return null;
    }

    private bool IsInvalid(string postId)
    {
        lock (Gate)
        {
            return _invalidObjects.Contains(postId);
        }
    }

    private bool TakeObjectFailure(string postId)
    {
        lock (Gate)
        {
            if (_objectFailures.TryGetValue(postId, out var left) && left > 0)
            {
                _objectFailures[postId] = left - 1;
                return true;
            }

            return false;
        }
    }

    private async Task GraphQl(HttpContext ctx, string body)
    {
        var query = JsonNode.Parse(body)?["query"]?.GetValue<string>();
        if (query is null)
        {
            Violation("graphql: body has no query");
            await Error(ctx, 422, "query is required");
            return;
        }

        if (AggregatePattern().Match(query) is { Success: true } aggregate)
        {
            var className = aggregate.Groups[1].Value;
            if (!Classes.ContainsKey(className))
            {
                await GraphQlError(ctx, $"Cannot query field \"{className}\" on type \"AggregateObjectsObj\".");
                return;
            }

            var groups = new JsonArray(new JsonObject { ["meta"] = new JsonObject { ["count"] = Count(className) } });
            await WriteJsonAsync(ctx, 200, new JsonObject { ["data"] = new JsonObject { ["Aggregate"] = new JsonObject { [className] = groups } } });
            return;
        }

        if (GetPattern().Match(query) is not { Success: true } get)
        {
            Violation($"graphql: unsupported query {query[..Math.Min(200, query.Length)]}");
            await GraphQlError(ctx, "Syntax Error GraphQL request");
            return;
        }

        var cls = get.Groups["class"].Value;
        var arguments = get.Groups["args"].Value;
        var selection = get.Groups["selection"].Value;
        var near = NearVectorPattern().Match(arguments);
        var limit = LimitPattern().Match(arguments);
        if (!near.Success || !limit.Success)
        {
            Violation($"graphql: Get without nearVector or limit: {arguments[..Math.Min(200, arguments.Length)]}");
            await GraphQlError(ctx, "nearVector and limit expected");
            return;
        }

        var vector = near.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(x => float.Parse(x, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
        if (vector.Length != Dimensions)
        {
            Violation($"graphql: nearVector has {vector.Length} numbers, expected {Dimensions}");
        }

        string? platform = null;
        if (arguments.Contains("where:", StringComparison.Ordinal))
        {
            var where = WherePlatformPattern().Match(arguments);
            if (!where.Success)
            {
                Violation($"graphql: unsupported where in {arguments[^Math.Min(200, arguments.Length)..]}");
                await GraphQlError(ctx, "unsupported where filter");
                return;
            }

            platform = JsonSerializer.Deserialize<string>(where.Groups[1].Value);
        }

        var top = int.Parse(limit.Groups[1].Value, CultureInfo.InvariantCulture);
        LastSearch = new SearchRequest(cls, vector, top, platform);
        if (!Classes.ContainsKey(cls))
        {
            await GraphQlError(ctx, $"Cannot query field \"{cls}\" on type \"GetObjectsObj\".");
            return;
        }

        var wanted = ExpectedProperties.Keys.Where(p => Regex.IsMatch(selection, $@"\b{p}\b")).ToList();
        var hits = new JsonArray();
        var ranked = Objects
            .Where(kv => kv.Key.Class == cls && (platform is null || kv.Value.Properties["platform"]?.GetValue<string>() == platform))
            .Select(kv => (kv.Key.Id, Stored: kv.Value, Distance: CosineDistance(vector, kv.Value.Vector)))
            .OrderBy(x => x.Distance)
            .Take(top);
        foreach (var (id, stored, distance) in ranked)
        {
            var hit = new JsonObject();
            foreach (var p in wanted)
            {
                hit[p] = stored.Properties[p]?.DeepClone();
            }

            if (selection.Contains("_additional", StringComparison.Ordinal))
            {
                hit["_additional"] = new JsonObject { ["id"] = id.ToString(), ["distance"] = distance, ["certainty"] = 1 - (distance / 2) };
            }

            hits.Add(hit);
        }

        await WriteJsonAsync(ctx, 200, new JsonObject { ["data"] = new JsonObject { ["Get"] = new JsonObject { [cls] = hits } } });
    }

    private static double CosineDistance(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            dot += a[i] * (double)b[i];
            na += a[i] * (double)a[i];
            nb += b[i] * (double)b[i];
        }

        return 1 - (dot / (Math.Sqrt(na) * Math.Sqrt(nb)));
    }

    private static Task GraphQlError(HttpContext ctx, string message) =>
        WriteJsonAsync(ctx, 200, new JsonObject { ["data"] = null, ["errors"] = new JsonArray(new JsonObject { ["message"] = message }) });

    private static Task Error(HttpContext ctx, int status, string message) =>
        WriteJsonAsync(ctx, status, new JsonObject { ["error"] = new JsonArray(new JsonObject { ["message"] = message }) });

    [GeneratedRegex(@"^\s*\{\s*Aggregate\s*\{\s*(\w+)\s*\{\s*meta\s*\{\s*count\s*\}\s*\}\s*\}\s*\}\s*$")]
    private static partial Regex AggregatePattern();

    [GeneratedRegex(@"^\s*\{\s*Get\s*\{\s*(?<class>\w+)\s*\((?<args>.*)\)\s*\{(?<selection>.*)\}\s*\}\s*\}\s*$", RegexOptions.Singleline)]
    private static partial Regex GetPattern();

    [GeneratedRegex(@"nearVector:\s*\{\s*vector:\s*\[([^\]]*)\]\s*\}")]
    private static partial Regex NearVectorPattern();

    [GeneratedRegex(@"\blimit:\s*(\d+)")]
    private static partial Regex LimitPattern();

    [GeneratedRegex(@"where:\s*\{\s*path:\s*\[\s*""platform""\s*\]\s*,\s*operator:\s*Equal\s*,\s*valueText:\s*(""(?:[^""\\]|\\.)*"")\s*\}")]
    private static partial Regex WherePlatformPattern();

    public sealed record Received(string Method, string Path, string? Authorization, string Body);

    public sealed record StoredObject(string PostId, JsonObject Properties, float[] Vector);

    public sealed record SearchRequest(string Class, float[] Vector, int Limit, string? Platform);

    private sealed class Fault(string pathPrefix, int times, int? status, int? retryAfterSeconds)
    {
        public string PathPrefix => pathPrefix;
        public int? Status => status;
        public int? RetryAfterSeconds => retryAfterSeconds;
        public int Remaining { get; set; } = times;
    }
}
