namespace MillionX.Pipeline.Tests.Support;

/// <summary>
/// Base of the test classes that run against the embedded broker. xUnit makes one instance per test, so every test
/// gets a broker of its own and, when it asks for one, a scratch directory of its own; both go when the test ends
/// (after <c>IAsyncLifetime.DisposeAsync</c>, where a derived class stops its hosts and fakes).
/// </summary>
public abstract class BrokerTest : IDisposable
{
    private string? _tempDir;

    protected TestBroker Broker { get; } = new();

    /// <summary>A directory for this test alone, created on first use.</summary>
    protected string TempDir => _tempDir ??= Directory.CreateTempSubdirectory(GetType().Name + "-").FullName;

    public void Dispose()
    {
        Broker.Dispose();
        if (_tempDir is not null)
        {
            Directory.Delete(_tempDir, recursive: true);
        }
    }
}
