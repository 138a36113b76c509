namespace MillionX.Pipeline.Commands;

/// <summary>
/// The command line: an optional command word (<c>run</c>, <c>broker</c>, <c>ingest</c>, <c>bench</c>), the flags that command
/// takes, and everything else passed on to configuration (<c>--Kafka:BootstrapServers=host:9092</c>).
/// </summary>
public sealed record CommandLine(string Command, IReadOnlyDictionary<string, string> Flags, IReadOnlyList<string> ConfigArgs)
{
    public static readonly IReadOnlyList<string> Commands = ["run", "broker", "ingest", "sql", "search", "bench", "topics", "dlq", "model", "help"];

    private static readonly HashSet<string> ValueFlags = new(StringComparer.OrdinalIgnoreCase)
    {
        "role", "profile", "address-file", "source", "file", "summary-json", "config", "top", "platform", "topic", "reason", "samples",
    };

    private static readonly HashSet<string> SwitchFlags = new(StringComparer.OrdinalIgnoreCase) { "help", "json", "once", "quick", "dry-run", "skip-retention", "publish-only" };

    public string? Flag(string name) => Flags.TryGetValue(name, out var v) ? v : null;

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var command = "run";
        var start = 0;
        if (args.Count > 0 && !args[0].StartsWith('-'))
        {
            command = args[0].ToLowerInvariant();
            start = 1;
            if (!Commands.Contains(command))
            {
                throw new ArgumentException($"Unknown command '{args[0]}'. Valid commands: {string.Join(", ", Commands)}.");
            }
        }

        var flags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var config = new List<string>();
        for (var i = start; i < args.Count; i++)
        {
            var a = args[i];
            if (a is "-h" or "--help")
            {
                flags["help"] = "true";
                continue;
            }

            if (!a.StartsWith("--", StringComparison.Ordinal) && command is "sql" or "search" && !flags.ContainsKey("query"))
            {
                // sql and search take their query as the one positional argument.
                flags["query"] = a;
                continue;
            }

            if (!a.StartsWith("--", StringComparison.Ordinal) && command is "topics" or "dlq" && !flags.ContainsKey("action"))
            {
                // topics create|verify, dlq inspect|replay: the action is the one positional argument.
                flags["action"] = a.ToLowerInvariant();
                continue;
            }

            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{a}'. Flags start with --; see --help.");
            }

            var body = a[2..];
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            var name = eq >= 0 ? body[..eq] : body;
            // bench writes its figures to a file: there --json takes a path; sql and search print JSON lines instead.
            if (ValueFlags.Contains(name) || (command == "bench" && name == "json"))
            {
                string value;
                if (eq >= 0)
                {
                    value = body[(eq + 1)..];
                }
                else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    value = args[++i];
                }
                else
                {
                    throw new ArgumentException($"--{name} needs a value.");
                }

                flags[name] = value;
            }
            else if (SwitchFlags.Contains(name))
            {
                flags[name] = "true";
            }
            else if (eq >= 0)
            {
                config.Add(a);
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                config.Add($"{a}={args[++i]}");
            }
            else
            {
                throw new ArgumentException($"Unknown flag '{a}'. Configuration overrides take a value: --Section:Key=value.");
            }
        }

        if (flags.TryGetValue("role", out var role))
        {
            config.Add($"--{Hosting.PipelineOptions.Section}:Role={role}");
        }

        if (flags.ContainsKey("once"))
        {
            config.Add("--Sources:Once=true");
        }

        if (flags.TryGetValue("profile", out var profile))
        {
            config.Add($"--{Hosting.PipelineOptions.Section}:Profile={profile}");
        }

        return new CommandLine(command, flags, config);
    }

    public const string Usage = """
        MillionX.Pipeline: social, market and weather data into Kafka, a warehouse and a vector store.

        Usage:
          dotnet run --project MillionX.Pipeline [-- run] [--profile local|ingest|stream|sinks] [--role <stage|group>[,...]] [--once]
          dotnet run --project MillionX.Pipeline -- broker [--address-file <path>]
          dotnet run --project MillionX.Pipeline -- ingest --source tiktok|facebook|shopify|daraz|weather --file <records.jsonl> [--summary-json <out.json>]
          dotnet run --project MillionX.Pipeline -- sql "select * from ORDERS limit 5" [--json]
          dotnet run --project MillionX.Pipeline -- search "eid shari offer" [--top 5] [--platform tiktok] [--json]
          dotnet run -c Release --project MillionX.Pipeline -- bench [--quick] [--json <out.json>]
          dotnet run --project MillionX.Pipeline -- model
          dotnet run --project MillionX.Pipeline -- topics create|verify [--json] [--skip-retention]
          dotnet run --project MillionX.Pipeline -- dlq inspect [--topic <dead-letter topic>] [--reason <code>] [--samples 3] [--json]
          dotnet run --project MillionX.Pipeline -- dlq replay [--topic <dead-letter topic>] [--reason <code>] [--dry-run] [--publish-only] [--json]

        topics and dlq work on a running broker (Kafka:BootstrapServers, e.g. the broker command's address).
        dlq decrypts social and market dead letters with Privacy:DeadLetterKey; samples never show raw personal data:
        usernames, phones, e-mails and @mentions are replaced by keyed hashes (Privacy:HashKey) before printing.
        dlq replay re-validates each letter, re-publishes those that now pass to their source topic (retry count + 1),
        records them in the dead-letters-replayed ledger so a second replay skips them, and leaves the rest.

        model prepares the embedding model now (the packaged all-MiniLM-L6-v2, int8 made and gated once, cached in
        Embedding:CacheDirectory) and prints which file, hash and precision the pipeline runs.

        Any configuration key can be overridden: --Kafka:BootstrapServers=host:9092, or env Kafka__BootstrapServers.
        A role is a stage, a group of Pipeline:Roles (scrapers, market-sync) or a comma list; also env MILLIONX_ROLE.
        --config <file.json> layers another JSON file over appsettings.json.
        """;
}
