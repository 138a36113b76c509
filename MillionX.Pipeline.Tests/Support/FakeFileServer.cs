using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>An HTTP server on 127.0.0.1 (free port) that serves in-memory files and counts requests per path.</summary>
public sealed class FakeFileServer : FakeServer
{
    private readonly ConcurrentDictionary<string, (int Status, byte[] Body)> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _requests = new(StringComparer.Ordinal);

    public static async Task<FakeFileServer> StartAsync()
    {
        var server = new FakeFileServer();
        await server.ListenAsync(async context =>
        {
            var path = context.Request.Path.Value ?? "/";
            server._requests.AddOrUpdate(path, 1, (_, n) => n + 1);
            if (!server._files.TryGetValue(path, out var file))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            context.Response.StatusCode = file.Status;
            context.Response.ContentLength = file.Body.Length;
            await context.Response.Body.WriteAsync(file.Body);
        });
        return server;
    }

    public Uri BaseAddress => new(Address);

    /// <summary>Serves <paramref name="body"/> at <paramref name="path"/>; returns its absolute URL.</summary>
    public string Serve(string path, byte[] body, int status = StatusCodes.Status200OK)
    {
        _files[path] = (status, body);
        return new Uri(BaseAddress, path).ToString();
    }

    public int Requests(string path) => _requests.GetValueOrDefault(path);
}
