using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;

namespace MillionX.Pipeline.Commands;

/// <summary>
/// The command line: an optional command word (<c>run</c>, <c>broker</c>, <c>ingest</c>, <c>bench</c>, ...), the flags that
/// command takes, and the configuration overrides passed on to configuration (<c>--Kafka:BootstrapServers=host:9092</c>).
/// Parsed by System.CommandLine (<see cref="CommandLineSyntax"/>); <see cref="Flags"/> holds the options given, by name, as
/// typed; <see cref="Values"/> the typed ones (numbers, files, the source kind) as System.CommandLine parsed and checked them.
/// </summary>
public sealed record CommandLine(string Command, IReadOnlyDictionary<string, string> Flags, IReadOnlyList<string> ConfigArgs)
{
    /// <summary>The values of the typed options given (<c>int</c>, <see cref="FileInfo"/>, <see cref="Sources.SourceKind"/>), by name.</summary>
    public IReadOnlyDictionary<string, object> Values { get; init; } = new Dictionary<string, object>();

    public static readonly IReadOnlyList<string> Commands = ["run", "broker", "ingest", "sql", "search", "bench", "topics", "dlq", "model", "quality", "help"];

    private const int HelpWidth = 120;

    public string? Flag(string name) => Flags.TryGetValue(name, out var v) ? v : null;

    /// <summary>A typed option's value (a number, the source kind), or null when it was not given.</summary>
    public T? Value<T>(string name)
        where T : struct => Values.TryGetValue(name, out var v) && v is T t ? t : null;

    /// <summary>A file option's value, or null when it was not given.</summary>
    public FileInfo? File(string name) => Values.TryGetValue(name, out var v) ? v as FileInfo : null;

    /// <summary>The help for all commands (<c>--help</c>, <c>help</c>), with examples.</summary>
    public static string Usage => Help("help");

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var tokens = new List<string>(args.Count);
        var start = 0;
        if (args.Count > 0 && !args[0].StartsWith('-'))
        {
            var word = args[0].ToLowerInvariant();
            if (!Commands.Contains(word))
            {
                throw new ArgumentException($"Unknown command '{args[0]}'. Valid commands: {string.Join(", ", Commands)}.");
            }

            tokens.Add(word);
            start = 1;
        }

        var root = CommandLineSyntax.Build();
        var command = tokens.Count == 0 ? root : root.Subcommands.Single(c => c.Name == tokens[0]);
        var options = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name).Select(n => (Name: n, Option: o)))
            .ToDictionary(o => o.Name, o => o.Option, StringComparer.OrdinalIgnoreCase);
        var config = new List<string>();
        for (var i = start; i < args.Count; i++)
        {
            var a = args[i];
            var body = a.StartsWith("--", StringComparison.Ordinal) ? a[2..] : null;
            var eq = body?.IndexOf('=', StringComparison.Ordinal) ?? -1;
            var name = eq >= 0 ? body![..eq] : body;
            if (name is not null && name.Contains(':', StringComparison.Ordinal))
            {
                // A configuration override (--Section:Key=value or --Section:Key value), in order, for AddCommandLine.
                if (eq >= 0)
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
            else if (name is not null && options.TryGetValue("--" + name, out var option))
            {
                // System.CommandLine would take the next flag as the value; a flag never is one.
                if (eq < 0 && option.Arity.MinimumNumberOfValues > 0 && (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal)))
                {
                    throw new ArgumentException($"{a} needs a value.");
                }

                // Option names are case-insensitive, as configuration keys are.
                tokens.Add(eq >= 0 ? option.Name + body![eq..] : option.Name);
            }
            else
            {
                tokens.Add(a);
            }
        }

        var result = root.Parse(tokens);
        var commandResult = result.CommandResult;
        var help = commandResult.Children.OfType<OptionResult>().Any(o => o.Option is HelpOption);
        if (!help && result.Errors.Count > 0)
        {
            throw new ArgumentException(Message(result.Errors[0]));
        }

        var flags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var values = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        foreach (var child in commandResult.Children)
        {
            switch (child)
            {
                case OptionResult { Implicit: false } o when o.Option is HelpOption:
                    flags["help"] = "true";
                    break;
                case OptionResult { Implicit: false } o when o.Option.Arity.MaximumNumberOfValues == 0:
                    flags[o.Option.Name[2..]] = "true";
                    break;
                case OptionResult { Implicit: false, Tokens.Count: > 0 } o:
                    flags[o.Option.Name[2..]] = o.Tokens[^1].Value;
                    if (o.Option.ValueType != typeof(string) && o.GetValueOrDefault<object>() is { } value)
                    {
                        values[o.Option.Name[2..]] = value;
                    }

                    break;
                case ArgumentResult { Tokens.Count: > 0 } p when p.Argument.Name == "action":
                    flags["action"] = p.Tokens[0].Value.ToLowerInvariant();
                    break;
                case ArgumentResult { Tokens.Count: > 0 } p:
                    flags[p.Argument.Name] = p.Tokens[0].Value;
                    break;
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

        // --help with no command word is the help for all commands, as the help command is.
        var commandName = commandResult.Command == root ? (help ? "help" : "run") : commandResult.Command.Name;
        return new CommandLine(commandName, flags, config) { Values = values };
    }

    /// <summary>A command's help: its options as System.CommandLine lays them out, then notes; <c>help</c> is the root's.</summary>
    public static string Help(string command)
    {
        var root = CommandLineSyntax.Build();
        foreach (var option in root.Options.OfType<HelpOption>())
        {
            // A fixed width: the same text in a terminal, a pipe and the tests.
            if (option.Action is HelpAction action)
            {
                action.MaxWidth = HelpWidth;
            }
        }

        using var text = new StringWriter();
        var exit = root.Parse(command == "help" ? ["--help"] : [command, "--help"]).Invoke(new InvocationConfiguration { Output = text, Error = text });
        if (exit != 0)
        {
            throw new InvalidOperationException($"Help for '{command}' failed: {text}");
        }

        text.Write(CommandLineSyntax.Notes(command));
        return text.ToString().TrimEnd() + Environment.NewLine;
    }

    /// <summary>One line per usage error; System.CommandLine's own wording where ours adds nothing.</summary>
    private static string Message(ParseError error) => error.SymbolResult switch
    {
        OptionResult { Tokens.Count: 0 } o when o.Option.Arity.MinimumNumberOfValues > 0 =>
            $"{o.IdentifierToken?.Value ?? o.Option.Name} needs a value.",
        _ when error.Message.StartsWith("Unrecognized", StringComparison.Ordinal) =>
            error.Message + " Flags start with --, configuration overrides are --Section:Key=value; see --help.",
        _ => error.Message,
    };
}
