namespace MillionX.Pipeline.Commands;

/// <summary>Builds the host's configuration the same way for every command.</summary>
public static class PipelineHostFactory
{
    /// <summary>
    /// <see cref="CreateBuilder"/> with no log providers, for a command whose stdout is its result (a report, JSON with
    /// --json): log lines would corrupt it, so what goes wrong is in that result or the exception instead.
    /// </summary>
    public static HostApplicationBuilder CreateQuietBuilder(CommandLine cl, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var builder = CreateBuilder(cl, overrides);
        builder.Logging.ClearProviders();
        return builder;
    }

    /// <summary>
    /// appsettings.json beside the binary (copied from the repo's top level), then an optional <c>--config</c> file,
    /// then environment variables, then command-line overrides. <c>MILLIONX_ROLE</c> fills <c>Pipeline:Role</c>.
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(CommandLine cl, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [.. cl.ConfigArgs],
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = "MillionX.Pipeline",
        });

        var extra = cl.File("config");
        var role = Environment.GetEnvironmentVariable("MILLIONX_ROLE");
        if (extra is not null || !string.IsNullOrWhiteSpace(role) || overrides is not null)
        {
            var layered = new List<KeyValuePair<string, string?>>();
            if (!string.IsNullOrWhiteSpace(role))
            {
                layered.Add(new($"{PipelineOptions.Section}:Role", role));
            }

            if (extra is not null)
            {
                var path = extra.FullName;
                if (!File.Exists(path))
                {
                    throw new ArgumentException($"--config file '{path}' does not exist.");
                }

                builder.Configuration.AddJsonFile(path, optional: false);
            }

            builder.Configuration.AddInMemoryCollection(layered);
            // Environment and command line still win over the extra file and MILLIONX_ROLE.
            builder.Configuration.AddEnvironmentVariables();
            builder.Configuration.AddCommandLine([.. cl.ConfigArgs]);
            if (overrides is not null)
            {
                builder.Configuration.AddInMemoryCollection(overrides);
            }
        }

        builder.Services.Configure<HostOptions>(o =>
        {
            o.ShutdownTimeout = builder.Configuration.GetValue("Pipeline:ShutdownTimeout", TimeSpan.FromSeconds(4));
            o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost;

            // Stages stop side by side: each may wait up to 3 s for its in-flight records, and one after another those
            // waits added up past ShutdownTimeout, so the host disposed the broker and stores under running consumers.
            o.ServicesStopConcurrently = true;
        });
        return builder;
    }
}
