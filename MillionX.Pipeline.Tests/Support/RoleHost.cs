namespace MillionX.Pipeline.Tests.Support;

/// <summary>The production host as <c>--role</c> builds it (RunCommand.Build), for tests that run one stage.</summary>
public static class RoleHost
{
    /// <summary>Builds and starts the host running only <paramref name="role"/>; a host that fails to start is disposed.</summary>
    public static async Task<IHost> StartAsync(string role, Dictionary<string, string?> config)
    {
        var host = RunCommand.Build(CommandLine.Parse(["--role", role]), config);
        try
        {
            await host.StartAsync();
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }
}
