using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>The fake servers' shared plumbing: Kestrel on a free 127.0.0.1 port, quiet, and a bounded stop.</summary>
public static class LoopbackServer
{
    /// <summary>An app bound to a free loopback port, not started, for a fake to add its routes to.</summary>
    public static WebApplication Create()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        return builder.Build();
    }

    /// <summary>Starts the app and returns the address Kestrel actually bound (e.g. http://127.0.0.1:41234).</summary>
    public static async Task<string> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        return app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    /// <summary>An app whose every request goes to <paramref name="handler"/>, started.</summary>
    public static async Task<(WebApplication App, string Address)> StartAsync(RequestDelegate handler)
    {
        var app = Create();
        ((IApplicationBuilder)app).Run(handler);
        return (app, await StartAsync(app));
    }

    public static async Task StopAsync(WebApplication? app, TimeSpan? timeout = null)
    {
        if (app is null)
        {
            return;
        }

        using var cts = new CancellationTokenSource(timeout ?? Timeout.InfiniteTimeSpan);
        await app.StopAsync(cts.Token);
        await app.DisposeAsync();
    }
}
