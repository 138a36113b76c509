using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>One post card the fixture renders.</summary>
public sealed record FakeCard(string Id, string Author, string Text, string Count, string? FacebookPath = null);

/// <summary>
/// Local stand-ins (Kestrel on http://127.0.0.1:0) for the TikTok and Facebook search pages, in their real markup
/// (TikTok <c>data-e2e</c> ids, Facebook <c>role="article"</c> and aria labels); Apify is <see cref="FakeApify"/>.
/// The keyword picks the scenario: <c>normal</c>, <c>late</c> (results injected by JavaScript after 800 ms),
/// <c>blocked</c> (403 Access Denied), <c>blockonce</c> (403 then results), <c>captcha</c>, <c>malformed</c> (a
/// count that is no number and a card without a post link), <c>empty</c>, <c>hang</c> (never answers), and
/// <c>lazy-N</c>: an infinite-scroll results page holding N posts in all, of which the first batch is in the HTML and
/// each further batch is fetched by the page's JavaScript when an IntersectionObserver sees the sentinel after the
/// last card (that is, when the reader scrolls to the end), after <see cref="LazyLoadDelay"/>.
/// </summary>
public sealed class FakeSocialSite() : FakeServer(stopTimeout: TimeSpan.FromSeconds(5))
{
    public static readonly FakeCard[] Normal =
    [
        new("7300000000000000001", "shop.bd", "Notun sneaker collection #eid #dhaka", "1.2K", "/dhakashop/posts/123456789012301"),
        new("7300000000000000002", "gadget.bd", "Original earbuds ekhon daraz e", "3,456", "/permalink.php?story_fbid=123456789012302&id=100064"),
        new("7300000000000000003", "sharihouse", "Jamdani shari sale cholche", "১.২K", "/photo/?fbid=123456789012303&set=a.1"),
    ];

    public static readonly FakeCard[] Late =
    [
        new("7300000000000000011", "late.one", "Late rendered bag offer", "2.5M", "/lateshop/posts/123456789012311"),
        new("7300000000000000012", "late.two", "Smartwatch delivery in dhaka", "77", "/lateshop/posts/pfbid02LateAbcdefGhij"),
    ];

    public static readonly FakeCard[] Malformed =
    [
        new("7300000000000000021", "good.one", "Valid hijab post here", "10"),
        new("7300000000000000022", "bad.count", "Count is not a number", "lots of likes"),
        new("", "no.link", "This card has no post link", "5"),
    ];

    public static readonly FakeCard BlockOnce = new("7300000000000000031", "after.block", "Panjabi after the block", "12.5k likes", "/afterblock/posts/123456789012331");

    public static readonly FakeCard[] Apify =
    [
        new("7300000000000000041", "apify.one", "Apify fallback phone deal", "900", "/apify/posts/123456789012341"),
        new("7300000000000000042", "apify.two", "Apify fallback saree deal", "901", "/apify/posts/123456789012342"),
    ];

    private readonly ConcurrentDictionary<string, int> _hits = new();

    public string BaseUrl => Address;

    public int Hits(string platform, string keyword) => _hits.GetValueOrDefault($"{platform}:{keyword}");

    public static async Task<FakeSocialSite> StartAsync()
    {
        var site = new FakeSocialSite();
        await site.ListenAsync(app =>
        {
            app.MapGet("/search", (HttpContext c) => site.ServeAsync(c, "tiktok"));
            app.MapGet("/search/posts", (HttpContext c) => site.ServeAsync(c, "facebook"));
            site.MapChallenges(app);
            app.MapGet("/lazy/more", (HttpContext c) => site.LazyMoreAsync(c));
        });
        return site;
    }

    /// <summary>A local port with nothing listening (a dead proxy).</summary>
    public static int ClosedPort()
    {
        var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private async Task ServeAsync(HttpContext c, string platform)
    {
        var keyword = c.Request.Query["q"].ToString();
        var hit = _hits.AddOrUpdate($"{platform}:{keyword}", 1, (_, n) => n + 1);
        c.Response.ContentType = "text/html; charset=utf-8";
        var tiktok = platform == "tiktok";
        switch (keyword)
        {
            case "hang":
                await HangAsync(c);
                return;
            case "blocked":
            case "blockonce" when hit == 1:
                c.Response.StatusCode = 403;
                await c.Response.WriteAsync("<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>You don't have permission to access this page.</body></html>");
                return;
            case var k when LazyTotal(k) is { } total:
                await c.Response.WriteAsync(LazyPage(platform, keyword, total));
                return;
            case "captcha":
                await c.Response.WriteAsync(
                    "<html><head><title>Security Check</title></head><body><div id=\"captcha_container\"><div id=\"captcha-verify-image\"></div>" +
                    "<p>Verify to continue: drag the puzzle piece into place</p></div></body></html>");
                return;
        }

        var cards = keyword switch
        {
            "normal" => Normal,
            "late" => Late,
            "malformed" => Malformed,
            "blockonce" => [BlockOnce],
            _ => [],
        };
        var body = tiktok ? TikTokResults(cards) : FacebookResults(cards);
        var empty = tiktok ? "<div data-e2e=\"search-empty\">No results found</div>" : "<div data-testid=\"results-empty\">We didn't find any results</div>";
        var html = keyword == "late"
            ? $"<div id=\"app\">Loading...</div><script>setTimeout(() => {{ document.getElementById('app').innerHTML = {System.Text.Json.JsonSerializer.Serialize(body)}; }}, 800);</script>"
            : cards.Length == 0 ? empty : body;
        await c.Response.WriteAsync($"<!doctype html><html><head><title>{WebUtility.HtmlEncode(keyword)} | {platform}</title></head><body>{html}</body></html>");
    }

    private static string TikTokResults(IEnumerable<FakeCard> cards) =>
        "<div data-e2e=\"search_top-item-list\" class=\"DivSearchResultContainer\">" + TikTokCards(cards) + "</div>";

    private static string TikTokCards(IEnumerable<FakeCard> cards)
    {
        // As on tiktok.com: the card holds the link and views; the caption and author sit in a sibling block.
        var sb = new StringBuilder();
        foreach (var card in cards)
        {
            var link = card.Id.Length > 0 ? $"<a href=\"/@{card.Author}/video/{card.Id}\" tabindex=\"-1\"><canvas></canvas></a>" : "<div class=\"DivPlayerContainer\"></div>";
            sb.Append($"<div class=\"DivItemContainerForSearch\"><div data-e2e=\"search_top-item\" class=\"DivContainer\">{link}" +
                $"<strong data-e2e=\"video-views\" class=\"StrongVideoCount\">{card.Count}</strong></div>" +
                $"<div data-e2e=\"search-card-desc\" class=\"DivDesContainer\"><div data-e2e=\"search-card-video-caption\"><span>{WebUtility.HtmlEncode(card.Text)}</span></div>" +
                $"<a href=\"/@{card.Author}\"><p data-e2e=\"search-card-user-unique-id\" class=\"PUniqueId\">{card.Author}</p></a></div></div>");
        }

        return sb.ToString();
    }

    private static string FacebookResults(IEnumerable<FakeCard> cards) =>
        "<div role=\"main\"><div role=\"feed\">" + FacebookCards(cards, 0) + "</div></div>";

    private static string FacebookCards(IEnumerable<FakeCard> cards, int i)
    {
        var utime = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds();
        var sb = new StringBuilder();
        foreach (var card in cards)
        {
            var link = card.Id.Length > 0 ? $"<a href=\"{card.FacebookPath ?? $"/{card.Author}/posts/1234567890{card.Id[^5..]}"}\" role=\"link\"><abbr data-utime=\"{utime}\">2h</abbr></a>" : "<span>2h</span>";
            sb.Append($"<div role=\"article\" aria-posinset=\"{++i}\"><div><h3><a href=\"/{card.Author}\" role=\"link\">{card.Author}</a></h3>{link}</div>" +
                $"<div data-ad-preview=\"message\" dir=\"auto\">{WebUtility.HtmlEncode(card.Text)}</div>" +
                $"<div><span aria-label=\"All reactions: {card.Count}\" role=\"toolbar\">{card.Count}</span><div aria-label=\"Like\" role=\"button\">Like</div></div></div>");
        }

        return sb.ToString();
    }

    // ---- lazily loaded (infinite scroll) search pages: keyword lazy-N ----------------------------------------------

    /// <summary>How long the site takes to answer one "load more" request (TikTok's and Facebook's take about a second).</summary>
    public TimeSpan LazyLoadDelay { get; set; } = TimeSpan.FromMilliseconds(1200);

    /// <summary>Cards per batch, as the real sites page them: TikTok's search asks for 12, Facebook's search feed about 5.</summary>
    public static int LazyBatch(string platform) => platform == "tiktok" ? 12 : 5;

    /// <summary>"Load more" requests the page made for a keyword.</summary>
    public int LazyLoads(string platform, string keyword) => _hits.GetValueOrDefault($"more:{platform}:{keyword}");

    /// <summary>The i-th post (from 0) of every lazy-N keyword: distinct ids, a link each platform's id parser reads.</summary>
    public static FakeCard LazyCard(int i) =>
        new($"74{i:D17}", $"lazy.shop{i % 7}", $"Lazy post {i}: notun sneaker offer #lazy", $"{100 + i}", $"/lazyshop/posts/1234{i:D11}");

    private static int? LazyTotal(string keyword) =>
        keyword.StartsWith("lazy-", StringComparison.Ordinal) && int.TryParse(keyword[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static string LazyCards(string platform, int from, int count)
    {
        var cards = Enumerable.Range(from, count).Select(LazyCard);
        return platform == "tiktok" ? TikTokCards(cards) : FacebookCards(cards, from);
    }

    private static string LazyPage(string platform, string keyword, int total)
    {
        var first = Math.Min(total, LazyBatch(platform));
        var (open, close, list) = platform == "tiktok"
            ? ("<div data-e2e=\"search_top-item-list\" class=\"DivSearchResultContainer\">", "</div>", "[data-e2e='search_top-item-list']")
            : ("<div role=\"main\"><div role=\"feed\">", "</div></div>", "[role='feed']");
        var more = $"/lazy/more?platform={platform}&q={Uri.EscapeDataString(keyword)}&offset=";

        // A batch is taller than any viewport the scraper uses (1920x1080 at most), so the sentinel is out of view
        // after each load and only a scroll brings the next one, as on the real sites. When a load returns nothing the
        // page says so and stops observing.
        return $$"""
            <!doctype html><html><head><title>{{WebUtility.HtmlEncode(keyword)}} | {{platform}}</title>
            <style>.DivItemContainerForSearch, [role='article'] { display: block; min-height: 240px; }</style></head>
            <body>{{open}}{{LazyCards(platform, 0, first)}}{{close}}<div id="sentinel" style="height: 1px"></div>
            <script>
            (() => {
              const list = document.querySelector("{{list}}");
              const sentinel = document.getElementById('sentinel');
              let offset = {{first}}, loading = false, done = false;
              const io = new IntersectionObserver(async entries => {
                if (!entries.some(e => e.isIntersecting) || loading || done) return;
                loading = true;
                const r = await fetch('{{more}}' + offset);
                const added = Number(r.headers.get('X-Cards'));
                if (added === 0) {
                  done = true;
                  io.disconnect();
                  sentinel.textContent = 'No more results';
                } else {
                  list.insertAdjacentHTML('beforeend', await r.text());
                  offset += added;
                }
                loading = false;
                if (!done) { io.unobserve(sentinel); io.observe(sentinel); }
              });
              io.observe(sentinel);
            })();
            </script></body></html>
            """;
    }

    private async Task LazyMoreAsync(HttpContext c)
    {
        var platform = c.Request.Query["platform"].ToString();
        var keyword = c.Request.Query["q"].ToString();
        _hits.AddOrUpdate($"more:{platform}:{keyword}", 1, (_, n) => n + 1);
        var total = LazyTotal(keyword) ?? 0;
        var offset = int.Parse(c.Request.Query["offset"].ToString(), CultureInfo.InvariantCulture);
        await Task.Delay(LazyLoadDelay, c.RequestAborted);
        var count = Math.Clamp(total - offset, 0, LazyBatch(platform));
        c.Response.Headers["X-Cards"] = count.ToString(CultureInfo.InvariantCulture);
        c.Response.ContentType = "text/html; charset=utf-8";
        await c.Response.WriteAsync(LazyCards(platform, offset, count));
    }

    // ---- CAPTCHA challenge pages (solved through a solving service) ----

    /// <summary>The reCAPTCHA/hCaptcha token the challenge pages accept (what <see cref="FakeCaptchaService"/> hands out by default).</summary>
    public const string CaptchaToken = "03AFcWeA-fixture-token-accepted";

    /// <summary>The text in the image challenge.</summary>
    public const string CaptchaText = "deditur";

    public const string RecaptchaSiteKey = "6LfI9IsUAAAAAKuvopU0hfY8pWADfR_mogXokIIZ";
    public const string HcaptchaSiteKey = "f7de0da3-3303-44e8-ab48-fa32ff8ccc7b";

    /// <summary>The post each challenge kind shows once passed.</summary>
    public static readonly IReadOnlyDictionary<string, FakeCard> ChallengeCards = new Dictionary<string, FakeCard>
    {
        ["recaptcha"] = new("7300000000000000051", "after.recaptcha", "Sneaker deal after the recaptcha", "510", "/passed/posts/123456789012351"),
        ["hcaptcha"] = new("7300000000000000052", "after.hcaptcha", "Earbuds deal after the hcaptcha", "520", "/passed/posts/123456789012352"),
        ["image"] = new("7300000000000000053", "after.image", "Shari deal after the image check", "530", "/passed/posts/123456789012353"),
    };

    /// <summary>Answers posted to <c>/challenge/verify</c>: keyword, the field that carried the answer, its value, accepted.</summary>
    public ConcurrentQueue<(string Keyword, string Field, string Value, bool Accepted)> ChallengeAnswers { get; } = new();

    /// <summary>
    /// <c>/challenge/search?p=tiktok|facebook&amp;q=...</c> (a search path template for the scrapers): the keyword picks the
    /// challenge. <c>recaptcha</c>: a <c>.g-recaptcha</c> widget in a form, with the <c>g-recaptcha-response</c> textarea
    /// Google's api.js would add (no Google script here; a stand-in); <c>hcaptcha</c>: a <c>.h-captcha</c> widget with a
    /// <c>data-callback</c> that posts the token; <c>image</c>: a text image and an answer field; <c>slider</c>: TikTok's
    /// drag-the-puzzle, which no service task fits. <c>POST /challenge/verify</c> checks the answer, sets a pass cookie and
    /// redirects back (303); with the cookie the search shows that kind's post.
    /// </summary>
    private void MapChallenges(WebApplication app)
    {
        app.MapGet("/challenge/search", ChallengeAsync);
        app.MapPost("/challenge/verify", VerifyAsync);
    }

    private static string PassCookie(string platform, string keyword) => $"mx_pass_{platform}_{keyword}";

    private async Task ChallengeAsync(HttpContext c)
    {
        var platform = c.Request.Query["p"].ToString();
        var keyword = c.Request.Query["q"].ToString();
        _hits.AddOrUpdate($"challenge:{platform}:{keyword}", 1, (_, n) => n + 1);
        c.Response.ContentType = "text/html; charset=utf-8";
        if (c.Request.Cookies.ContainsKey(PassCookie(platform, keyword)) && ChallengeCards.TryGetValue(keyword, out var card))
        {
            var results = platform == "tiktok" ? TikTokResults([card]) : FacebookResults([card]);
            await c.Response.WriteAsync($"<!doctype html><html><head><title>Search results | {platform}</title></head><body>{results}</body></html>");
            return;
        }

        var q = WebUtility.HtmlEncode(keyword);
        var p = WebUtility.HtmlEncode(platform);
        var hidden = $"<input type=\"hidden\" name=\"p\" value=\"{p}\"><input type=\"hidden\" name=\"q\" value=\"{q}\">";
        var widget = keyword switch
        {
            "recaptcha" =>
                $"<form method=\"post\" action=\"/challenge/verify\">{hidden}<div class=\"g-recaptcha\" data-sitekey=\"{RecaptchaSiteKey}\"></div>" +
                "<textarea id=\"g-recaptcha-response\" name=\"g-recaptcha-response\" style=\"display:none\"></textarea><button type=\"submit\">Continue</button></form>",
            "hcaptcha" =>
                $"<div class=\"h-captcha\" data-sitekey=\"{HcaptchaSiteKey}\" data-callback=\"onPass\"></div>" +
                "<textarea name=\"h-captcha-response\" style=\"display:none\"></textarea><textarea name=\"g-recaptcha-response\" style=\"display:none\"></textarea>" +
                "<script>function onPass(token) { fetch('/challenge/verify', { method: 'POST', body: new URLSearchParams({ p: " +
                JsonSerializer.Serialize(platform) + ", q: " + JsonSerializer.Serialize(keyword) + ", 'h-captcha-response': token }) }).then(() => location.reload()); }</script>",
            "image" =>
                $"<form method=\"post\" action=\"/challenge/verify\">{hidden}<img id=\"captcha-image\" alt=\"captcha\" width=\"160\" height=\"50\" src=\"data:image/svg+xml;base64," +
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"<svg xmlns='http://www.w3.org/2000/svg' width='160' height='50'><rect width='160' height='50' fill='#eee'/><text x='20' y='34' font-size='26' fill='#333'>{CaptchaText}</text></svg>")) +
                "\"><input type=\"text\" id=\"captcha-answer\" name=\"captcha\"><button type=\"submit\">Verify</button></form>",
            _ => "<div id=\"captcha_container\"><div id=\"captcha-verify-image\"></div><p>Drag the slider to fit the puzzle</p></div>",
        };
        await c.Response.WriteAsync(
            "<!doctype html><html><head><title>Security Check</title></head><body><div data-testid=\"captcha\"><h1>Verify you are human</h1>" +
            $"{widget}</div></body></html>");
    }

    private async Task VerifyAsync(HttpContext c)
    {
        var form = await c.Request.ReadFormAsync(c.RequestAborted);
        var platform = form["p"].ToString();
        var keyword = form["q"].ToString();
        var (field, expected) = keyword switch
        {
            "recaptcha" => ("g-recaptcha-response", CaptchaToken),
            "hcaptcha" => ("h-captcha-response", CaptchaToken),
            _ => ("captcha", CaptchaText),
        };
        var value = form[field].ToString();
        var accepted = value == expected;
        ChallengeAnswers.Enqueue((keyword, field, value, accepted));
        if (accepted)
        {
            c.Response.Cookies.Append(PassCookie(platform, keyword), "1");
        }

        c.Response.Redirect($"/challenge/search?p={Uri.EscapeDataString(platform)}&q={Uri.EscapeDataString(keyword)}");
        c.Response.StatusCode = 303;
    }

    public int ChallengeHits(string platform, string keyword) => _hits.GetValueOrDefault($"challenge:{platform}:{keyword}");
}
