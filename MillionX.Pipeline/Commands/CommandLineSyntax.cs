using System.CommandLine;
using System.CommandLine.Parsing;

namespace MillionX.Pipeline.Commands;

/// <summary>
/// The commands as a System.CommandLine tree: each command's typed options, their allowed values and help text.
/// Built afresh for every parse (cheap) so no parser state is shared between threads.
/// Validation messages are one line and name the allowed values; <see cref="CommandLine.Parse"/> turns the first into
/// an <see cref="ArgumentException"/>, which the CLI prints as <c>error: ...</c> with exit code 2.
/// </summary>
internal static class CommandLineSyntax
{
    public const string ExecutableName = "MillionX.Pipeline";

    public static RootCommand Build()
    {
        var root = new RootCommand("MillionX.Pipeline: social, market and weather data into Kafka, a warehouse and a vector store.\n"
            + "With no command it runs the pipeline, as 'run' does.")
        {
            HelpName = ExecutableName,
        };

        // The pipeline has no --version, and directives ([diagram], [suggest]) would only surprise.
        foreach (var version in root.Options.OfType<VersionOption>().ToList())
        {
            root.Options.Remove(version);
        }

        root.Directives.Clear();
        AddRunOptions(root);
        AddConfig(root);

        var run = new Command("run", "Runs the stages the profile, role and overrides select, until Ctrl+C / SIGTERM (the default command).");
        AddRunOptions(run);
        AddConfig(run);

        var broker = WithOptions(new Command("broker", "Runs only the embedded broker with the topic catalog and prints its bootstrap address."),
            FilePath("--address-file", "path", "Also write the address to this file."));

        var ingest = new Command("ingest", "Sends a JSON-lines file through the validation gate, runs the selected processors until they caught up, prints a summary.");
        // --source and --file are required, but IngestCommand says so (as before): a parse of "ingest --file -" alone stands.
        WithOptions(ingest,
            new Option<SourceKind>("--source")
            {
                HelpName = string.Join("|", SourceKinds.Names),
                Description = "The kind of records in the file (required).",
                CustomParser = r =>
                {
                    var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
                    if (!SourceKinds.TryParse(text, out var kind))
                    {
                        r.AddError($"Unknown source '{text}'. Valid sources: {string.Join(", ", SourceKinds.Names)}.");
                    }

                    return kind;
                },
            },
            FilePath("--file", "records.jsonl", "The JSON-lines file to send (required)."),
            FilePath("--summary-json", "out.json", "Also write the summary as JSON to this file."),
            Profile(),
            Role());

        var sql = new Command("sql", "Queries the DuckDB warehouse read-only and prints a table or JSON lines.");
        Positional(sql, "query", "The SQL query, e.g. \"select * from ORDERS limit 5\".",
            () => "sql needs a query: sql \"select * from ORDERS limit 5\" [--json]");
        WithOptions(sql, Switch("--json", "Print JSON lines instead of a table."));

        var search = new Command("search", "Embeds the text and prints the nearest posts from the vector store.");
        Positional(search, "query", "The text to search for, e.g. \"eid shari offer\".",
            () => "search needs a text: search \"eid shari offer\" [--top 5] [--platform tiktok] [--json]");
        WithOptions(search,
            WholeNumber("--top", 1, 1000, "How many posts to print (1-1000, default 5).",
                v => $"--top must be a whole number from 1 to 1000, not '{v}'."),
            OneOf("--platform", ["tiktok", "facebook"], "Only posts from this platform.",
                v => $"--platform must be tiktok or facebook, not '{v.Trim().ToLowerInvariant()}'.", StringComparer.OrdinalIgnoreCase),
            Switch("--json", "Print JSON lines instead of a table."));

        // bench writes its figures to a file: here --json takes a path, where sql, search, topics and dlq switch to JSON output.
        var bench = WithOptions(new Command("bench", "Measures the broker and the stages on a broker of its own and prints a table (run it with -c Release)."),
            Switch("--quick", "Smaller sizes: a quick check, not a measurement."),
            FilePath("--json", "out.json", "Also write the figures as JSON to this file."));

        var topics = new Command("topics", "On a running broker: creates the catalog's missing topics (create), then verifies partitions and retention.ms.");
        Action(topics, TopicsCommand.Actions);
        WithOptions(topics, Switch("--json", "Print JSON instead of a table."), Switch("--skip-retention", "Check partitions only, not retention.ms."));

        var dlq = new Command("dlq", "On a running broker: inspects the dead-letter topics (masked samples), or replays the letters that now pass validation.");
        Action(dlq, DlqCommand.Actions);
        WithOptions(dlq,
            OneOf("--topic", Topics.DeadLetters, "Only this dead-letter topic.",
                v => $"Unknown dead-letter topic '{v}'. Valid topics: {string.Join(", ", Topics.DeadLetters)}.", StringComparer.Ordinal),
            OneOf("--reason", DlqCommand.Reasons, "Only letters with this reason code, e.g. out_of_range.",
                v => $"Unknown reason '{v}'. Valid reasons: {string.Join(", ", DlqCommand.Reasons)}.", StringComparer.Ordinal, helpName: "reason"),
            WholeNumber("--samples", 0, 1000, "inspect: masked samples per topic and reason (0-1000, default 3).",
                v => $"--samples is '{v}'; valid values: a whole number 0..1000."),
            Switch("--dry-run", "replay: show what would be re-published; publish nothing."),
            Switch("--publish-only", "replay: publish, without running the downstream stages until they caught up."),
            Switch("--json", "Print JSON instead of text."),
            Profile(),
            Role());

        var model = WithOptions(new Command("model", "Prepares the embedding model now and prints which file, hash and precision the pipeline runs."));

        var quality = WithOptions(new Command("quality", "Runs the data-quality checks once against the warehouse (DuckDB or Snowflake); exit 1 on a breach."),
            Switch("--json", "Print JSON instead of a table."),
            Value("--metrics-url", "url", "A running pipeline's /metrics, for the sources' schema pass rates."));

        var help = new Command("help", "Prints this help; '<command> --help' prints a command's options.");

        foreach (var command in new[] { run, broker, ingest, sql, search, bench, topics, dlq, model, quality, help })
        {
            root.Subcommands.Add(command);
        }

        // The commands run through PipelineCli, not through System.CommandLine's invocation; an action only marks the
        // root as runnable on its own (no command word means run) and lets help be rendered by invoking --help.
        root.SetAction(_ => 0);

        return root;
    }

    /// <summary>Text printed after a command's generated help: what the options alone do not say.</summary>
    public static string Notes(string command) => command switch
    {
        "help" => """
            Examples:
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
              dotnet run --project MillionX.Pipeline -- quality [--json] [--metrics-url http://127.0.0.1:9464/metrics]
              dotnet run --project MillionX.Pipeline -- ingest --help

            topics and dlq work on a running broker (Kafka:BootstrapServers, e.g. the broker command's address).
            dlq decrypts social and market dead letters with Privacy:DeadLetterKey; samples never show raw personal data:
            usernames, phones, e-mails and @mentions are replaced by keyed hashes (Privacy:HashKey) before printing.
            """ + Blank + ConfigNotes,
        "run" => RoleNotes + Blank + ConfigNotes,
        "ingest" => RoleNotes + Blank + ConfigNotes,
        "topics" => """
            topics works on a running broker: set Kafka:BootstrapServers. It never deletes, shrinks or alters a topic.
            Exit 0 when the broker matches the catalog, 1 with one problem line per difference.
            """ + Blank + ConfigNotes,
        "dlq" => """
            dlq works on a running broker: set Kafka:BootstrapServers (e.g. the broker command's address).
            It decrypts social and market dead letters with Privacy:DeadLetterKey; samples never show raw personal data:
            usernames, phones, e-mails and @mentions are replaced by keyed hashes (Privacy:HashKey) before printing.
            dlq replay re-validates each letter, re-publishes those that now pass to their source topic (retry count + 1),
            records them in the dead-letters-replayed ledger so a second replay skips them, and leaves the rest.
            """ + Blank + ConfigNotes,
        "model" => """
            model prepares the embedding model now (the packaged all-MiniLM-L6-v2, int8 made and gated once, cached in
            Embedding:CacheDirectory) and prints which file, hash and precision the pipeline runs.
            """ + Blank + ConfigNotes,
        "quality" => """
            quality checks the warehouse Warehouse:Writer names (the DuckDB file, or Snowflake through the SQL API) against
            the thresholds in Stages:data-quality: volume per hour, freshness, null and duplicate rates, value ranges, the
            PRICE_HISTORY to ORDERS reference; with --metrics-url also each source's schema pass rate. Exit 0 when all
            pass, 1 on a breach or a check that could not run. The DuckDB file cannot be read while a pipeline holds it.
            """ + Blank + ConfigNotes,
        _ => ConfigNotes,
    };

    private const string RoleNotes = """
        A profile is a stage set of Pipeline:Profiles (appsettings.json: local, ingest, stream, sinks). A role is a stage, a
        group of Pipeline:Roles (scrapers, market-sync) or a comma list; also env MILLIONX_ROLE. An unknown one stops the
        start with a message naming the valid ones (they come from configuration, so they are checked there).
        """;

    private const string Blank = "\n\n";

    private const string ConfigNotes = """
        Any configuration key can be overridden: --Kafka:BootstrapServers=host:9092 (or --Kafka:BootstrapServers host:9092),
        or env Kafka__BootstrapServers. --config <file.json> layers another JSON file over appsettings.json.
        """;

    private static void AddRunOptions(Command command)
    {
        command.Options.Add(Profile());
        command.Options.Add(Role());
        command.Options.Add(Switch("--once", "Run every source once, then exit (Sources:Once=true)."));
    }

    /// <summary>The command with these options, then <c>--config</c> (every command takes it), in this order in its help.</summary>
    private static Command WithOptions(Command command, params Option[] options)
    {
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        AddConfig(command);
        return command;
    }

    private static void AddConfig(Command command) =>
        command.Options.Add(FilePath("--config", "file.json", "Layer this JSON file over appsettings.json."));

    private static Option<string> Profile() =>
        Value("--profile", "name", "The stage set of Pipeline:Profiles to run (local, ingest, stream, sinks; default local).");

    private static Option<string> Role() =>
        Value("--role", "stage|group[,...]", "Run exactly these stages or role groups of Pipeline:Roles; overrides the profile.");

    private static Option<string> Value(string name, string helpName, string description) =>
        new(name) { HelpName = helpName, Description = description };

    private static Option<FileInfo> FilePath(string name, string helpName, string description) =>
        new(name) { HelpName = helpName, Description = description };

    private static Option<bool> Switch(string name, string description) =>
        new(name) { Description = description, Arity = ArgumentArity.Zero };

    private static Option<string> OneOf(
        string name, IReadOnlyList<string> allowed, string description, Func<string, string> error, StringComparer comparer, string? helpName = null)
    {
        var option = Value(name, helpName ?? string.Join("|", allowed), description);
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && !allowed.Contains(r.Tokens[0].Value.Trim(), comparer))
            {
                r.AddError(error(r.Tokens[0].Value));
            }
        });
        return option;
    }

    private static Option<int> WholeNumber(string name, int min, int max, string description, Func<string, string> error) =>
        new(name)
        {
            HelpName = "n",
            Description = description,
            CustomParser = r =>
            {
                if (r.Tokens.Count == 0)
                {
                    return 0;
                }

                var text = r.Tokens[0].Value;
                if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                    || n < min || n > max)
                {
                    r.AddError(error(text));
                }

                return n;
            },
        };

    /// <summary>The one positional argument of sql and search; missing, it is a usage error with an example.</summary>
    private static void Positional(Command command, string name, string description, Func<string> missing)
    {
        var argument = new Argument<string>(name) { Description = description, Arity = ArgumentArity.ExactlyOne };
        command.Arguments.Add(argument);
        command.Validators.Add(r =>
        {
            if (r.GetResult(argument) is not { Tokens.Count: > 0 })
            {
                r.AddError(missing());
            }
        });
    }

    /// <summary>topics create|verify, dlq inspect|replay: the action is the one positional argument.</summary>
    private static void Action(Command command, IReadOnlyList<string> actions)
    {
        var argument = new Argument<string>("action")
        {
            Description = $"One of: {string.Join(", ", actions)}.",
            HelpName = string.Join("|", actions),
            Arity = ArgumentArity.ExactlyOne,
        };
        command.Arguments.Add(argument);
        command.Validators.Add(r =>
        {
            var action = r.GetResult(argument) is { Tokens.Count: > 0 } a ? a.Tokens[0].Value : null;
            if (action is null || !actions.Contains(action.ToLowerInvariant()))
            {
                r.AddError($"{command.Name} needs an action{(action is null ? "" : $", not '{action}'")}. Valid actions: {string.Join(", ", actions)}.");
            }
        });
    }
}
