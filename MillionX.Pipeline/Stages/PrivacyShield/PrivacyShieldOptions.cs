namespace MillionX.Pipeline.Stages.PrivacyShield;

/// <summary><c>Stages:privacy-shield</c>: how many workers validate, anonymise and produce.</summary>
public sealed class PrivacyShieldOptions
{
    public const string Section = "Stages:privacy-shield";

    /// <summary>
    /// Workers beside the one consume thread. Each source partition belongs to one worker, so a partition's records
    /// keep their order. 0 means one per core, at most 4.
    /// </summary>
    [Range(0, 64)]
    public int Workers { get; set; }

    public int EffectiveWorkers => Workers > 0 ? Workers : Math.Clamp(Environment.ProcessorCount, 1, 4);
}
