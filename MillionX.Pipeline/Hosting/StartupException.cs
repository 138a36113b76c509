namespace MillionX.Pipeline.Hosting;

/// <summary>The process cannot start as configured; the message names the setting to change (printed as one line, exit 2).</summary>
public sealed class StartupException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>Which failures are a user's configuration mistake, told in one line, rather than a bug worth a stack trace.</summary>
public static class StartupFailures
{
    public static bool IsConfigurationMistake(Exception e) =>
        e is ArgumentException or StageSelectionException or OptionsValidationException or Embedding.ModelLoadException or StartupException;

    /// <summary>
    /// Whether the user asked for Debug (or Verbose) logs, from the environment or the command line: only then does a
    /// configuration mistake print its stack trace as well.
    /// </summary>
    public static bool WantsStackTraces(IEnumerable<string> args)
    {
        const string Key = "Serilog:MinimumLevel:Default";
        var level = Environment.GetEnvironmentVariable(Key.Replace(":", "__", StringComparison.Ordinal));
        foreach (var a in args)
        {
            if (a.StartsWith("--" + Key + "=", StringComparison.OrdinalIgnoreCase))
            {
                level = a[(Key.Length + 3)..];
            }
        }

        return string.Equals(level, "Debug", StringComparison.OrdinalIgnoreCase) || string.Equals(level, "Verbose", StringComparison.OrdinalIgnoreCase);
    }
}
