using Prometheus;

namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary>
/// One scraper's counters: kept per instance (what tests and the run log read) and mirrored to the process-wide
/// Prometheus metrics labelled by platform.
/// </summary>
public sealed class ScraperStats(SocialPlatform platform, int window)
{
    private static readonly Counter AttemptsTotal = Metrics.CreateCounter("millionx_scraper_attempts_total", "Search page loads tried (one per identity per keyword).", "platform");
    private static readonly Counter SuccessesTotal = Metrics.CreateCounter("millionx_scraper_successes_total", "Keyword searches that yielded a results page.", "platform");
    private static readonly Counter FailuresTotal = Metrics.CreateCounter("millionx_scraper_failures_total", "Keyword searches given up (timeouts, blocks, proxy errors).", "platform");
    private static readonly Counter BlocksTotal = Metrics.CreateCounter("millionx_scraper_blocks_total", "Block pages met (403/429, access denied).", "platform");
    private static readonly Counter CaptchasTotal = Metrics.CreateCounter("millionx_scraper_captchas_total", "CAPTCHA pages met.", "platform");
    private static readonly Counter ProxyFailuresTotal = Metrics.CreateCounter("millionx_scraper_proxy_failures_total", "Proxies that failed to connect (then cooled down).", "platform");
    private static readonly Counter PostsTotal = Metrics.CreateCounter("millionx_scraper_posts_total", "Posts extracted (browser or Apify), before validation.", "platform", "via");
    private static readonly Gauge SuccessRate = Metrics.CreateGauge("millionx_scraper_success_rate", "Share of successful keyword searches over the recent window.", "platform");

    private readonly string _label = platform.Label();
    private readonly Queue<bool> _recent = new();
    private readonly Lock _lock = new();
    private long _attempts, _successes, _failures, _blocks, _captchas, _proxyFailures, _posts, _apifyPosts, _apifyRuns;

    public long Attempts => Interlocked.Read(ref _attempts);
    public long Successes => Interlocked.Read(ref _successes);
    public long Failures => Interlocked.Read(ref _failures);
    public long Blocks => Interlocked.Read(ref _blocks);
    public long Captchas => Interlocked.Read(ref _captchas);
    public long ProxyFailures => Interlocked.Read(ref _proxyFailures);
    public long Posts => Interlocked.Read(ref _posts);
    public long ApifyPosts => Interlocked.Read(ref _apifyPosts);
    public long ApifyRuns => Interlocked.Read(ref _apifyRuns);

    /// <summary>Successful share of the last <c>window</c> keyword searches; 1 before any.</summary>
    public double RollingSuccessRate
    {
        get
        {
            lock (_lock)
            {
                return _recent.Count == 0 ? 1.0 : _recent.Count(s => s) / (double)_recent.Count;
            }
        }
    }

    public void Attempt() => Inc(ref _attempts, AttemptsTotal);

    public void Block() => Inc(ref _blocks, BlocksTotal);

    public void Captcha() => Inc(ref _captchas, CaptchasTotal);

    public void ProxyFailure() => Inc(ref _proxyFailures, ProxyFailuresTotal);

    public void KeywordDone(bool success)
    {
        if (success)
        {
            Inc(ref _successes, SuccessesTotal);
        }
        else
        {
            Inc(ref _failures, FailuresTotal);
        }

        lock (_lock)
        {
            _recent.Enqueue(success);
            while (_recent.Count > window)
            {
                _recent.Dequeue();
            }
        }

        SuccessRate.WithLabels(_label).Set(RollingSuccessRate);
    }

    public void Scraped(int posts)
    {
        Interlocked.Add(ref _posts, posts);
        PostsTotal.WithLabels(_label, "browser").Inc(posts);
    }

    public void FromApify(int posts)
    {
        Interlocked.Increment(ref _apifyRuns);
        Interlocked.Add(ref _apifyPosts, posts);
        PostsTotal.WithLabels(_label, "apify").Inc(posts);
    }

    private void Inc(ref long field, Counter counter)
    {
        Interlocked.Increment(ref field);
        counter.WithLabels(_label).Inc();
    }
}
