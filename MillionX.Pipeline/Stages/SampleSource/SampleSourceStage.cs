namespace MillionX.Pipeline.Stages.SampleSource;

/// <summary>Produces synthetic records at a steady rate through the same validation as live sources.</summary>
public sealed class SampleSourceStage(
    IOptions<SampleSourceOptions> options,
    SourcePublisher publisher,
    StageRegistry registry,
    TimeProvider clock,
    ILogger<SampleSourceStage> logger) : BackgroundService
{
    public const string StageName = "sample-source";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var kinds = o.KindsOrAll();
        var generator = new SampleRecordGenerator(o.Seed, o.InvalidShare, kinds, clock);
        var status = registry.Get(StageName);
        status.Running();
        logger.LogInformation("Sample source: {Rate}/s of {Kinds}, {Invalid:P1} invalid, seed {Seed}", o.RatePerSecond, string.Join(", ", kinds.Select(k => k.Name())), o.InvalidShare, o.Seed);

        // Whole records per 100 ms tick; the fraction carries over so low rates still come out right.
        var tick = TimeSpan.FromMilliseconds(100);
        var perTick = o.RatePerSecond * tick.TotalSeconds;
        var carry = 0.0;
        long sent = 0;
        using var timer = new PeriodicTimer(tick, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                carry += perTick;
                var n = (int)carry;
                carry -= n;
                for (var i = 0; i < n && (o.MaxRecords == 0 || sent < o.MaxRecords); i++, sent++)
                {
                    var record = generator.Next();
                    publisher.Publish(StageName, record.Kind, record.Raw, StageName, outcome =>
                    {
                        if (!outcome.Delivered)
                        {
                            logger.LogError("Sample record not delivered: {Error}", outcome.DeliveryError!.Reason);
                        }
                    });
                }

                if (o.MaxRecords > 0 && sent >= o.MaxRecords)
                {
                    logger.LogInformation("Sample source reached MaxRecords={Max}; idle", o.MaxRecords);
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            status.Stopped();
        }
    }
}
