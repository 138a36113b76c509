namespace MillionX.Pipeline.Privacy;

/// <summary>Resolves the privacy keys before any stage starts, so production without keys stops at start, not at the first record.</summary>
internal sealed class PrivacyKeyCheck(PrivacyKeys keys) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = keys.HashKeyId;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
