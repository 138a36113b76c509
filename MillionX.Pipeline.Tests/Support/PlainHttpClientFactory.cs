namespace MillionX.Pipeline.Tests.Support;

/// <summary>Hands out plain HttpClients over one handler, for driving an API client without a host.</summary>
public sealed class PlainHttpClientFactory : IHttpClientFactory, IDisposable
{
    private readonly SocketsHttpHandler _handler = new();

    public HttpClient CreateClient(string name) => new(_handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose() => _handler.Dispose();
}
