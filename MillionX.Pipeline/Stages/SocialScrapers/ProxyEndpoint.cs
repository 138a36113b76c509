namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary>One proxy of the pool: server without credentials, and the credentials apart (never logged).</summary>
public sealed record ProxyEndpoint(string Server, string? Username, string? Password)
{
    /// <summary>The pool entry that uses no proxy.</summary>
    public static readonly ProxyEndpoint Direct = new("direct", null, null);

    public bool IsDirect => ReferenceEquals(this, Direct) || Server == "direct";

    /// <summary>Safe to log: scheme, host and port only.</summary>
    public override string ToString() => Server;

    public static bool TryParse(string? s, out ProxyEndpoint proxy)
    {
        proxy = Direct;
        if (string.IsNullOrWhiteSpace(s))
        {
            return false;
        }

        if (s.Trim().Equals("direct", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!Uri.TryCreate(s.Trim(), UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https" or "socks5") || u.Host.Length == 0 || u.Port <= 0)
        {
            return false;
        }

        string? user = null, pass = null;
        if (u.UserInfo.Length > 0)
        {
            var i = u.UserInfo.IndexOf(':', StringComparison.Ordinal);
            user = Uri.UnescapeDataString(i < 0 ? u.UserInfo : u.UserInfo[..i]);
            pass = i < 0 ? null : Uri.UnescapeDataString(u.UserInfo[(i + 1)..]);
        }

        proxy = new ProxyEndpoint($"{u.Scheme}://{u.Host}:{u.Port}", user, pass);
        return true;
    }
}

/// <summary>The browser identity of one attempt: proxy, user agent and viewport.</summary>
public sealed record ScrapeIdentity(ProxyEndpoint Proxy, string UserAgent, int Width, int Height);

/// <summary>
/// Rotates proxies, user agents and viewports round-robin; a proxy that failed to connect sits out its cooldown.
/// When every proxy is cooling down, the one that comes back first is used (a run never stalls on an empty pool).
/// </summary>
public sealed class IdentityRotator
{
    private readonly IReadOnlyList<ProxyEndpoint> _proxies;
    private readonly IReadOnlyList<string> _agents;
    private readonly IReadOnlyList<(int Width, int Height)> _viewports;
    private readonly TimeSpan _cooldown;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, DateTimeOffset> _coolingUntil = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _nextProxy;
    private int _nextAgent;

    public IdentityRotator(ScrapingOptions options, TimeProvider clock)
    {
        _proxies = options.Proxies.Count == 0
            ? [ProxyEndpoint.Direct]
            : options.Proxies.Select(p => ProxyEndpoint.TryParse(p, out var e) ? e : throw new ArgumentException("invalid proxy URL in Scraping:Proxies")).ToList();
        _agents = options.UserAgentsOrDefault();
        _viewports = options.ViewportsOrDefault();
        _cooldown = options.ProxyCooldown;
        _clock = clock;
    }

    public ScrapeIdentity Next()
    {
        lock (_lock)
        {
            var now = _clock.GetUtcNow();
            ProxyEndpoint? proxy = null;
            for (var i = 0; i < _proxies.Count && proxy is null; i++)
            {
                var candidate = _proxies[(_nextProxy + i) % _proxies.Count];
                if (!_coolingUntil.TryGetValue(candidate.Server, out var until) || until <= now)
                {
                    proxy = candidate;
                    _nextProxy = (_nextProxy + i + 1) % _proxies.Count;
                }
            }

            proxy ??= _proxies.MinBy(p => _coolingUntil.GetValueOrDefault(p.Server))!;
            var agent = _agents[_nextAgent % _agents.Count];
            var viewport = _viewports[_nextAgent % _viewports.Count];
            _nextAgent++;
            return new ScrapeIdentity(proxy, agent, viewport.Width, viewport.Height);
        }
    }

    public void CoolDown(ProxyEndpoint proxy)
    {
        lock (_lock)
        {
            _coolingUntil[proxy.Server] = _clock.GetUtcNow() + _cooldown;
        }
    }

    public bool IsCoolingDown(ProxyEndpoint proxy)
    {
        lock (_lock)
        {
            return _coolingUntil.TryGetValue(proxy.Server, out var until) && until > _clock.GetUtcNow();
        }
    }
}
