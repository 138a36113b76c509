namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary>
/// How one platform's search results page is read: the selector that means results are there, and a script that
/// returns each post card's link, author, text, count and time as strings (parsing happens in .NET, where it is tested).
/// </summary>
public sealed record PlatformMarkup(SocialPlatform Platform, string ResultsSelector, string EmptySelector, string ExtractScript)
{
    /// <summary>
    /// TikTok marks its search UI with <c>data-e2e</c> test ids, steadier than its generated class names: result
    /// cards <c>search_top-item</c>/<c>search_video-item</c>, the author <c>search-card-user-unique-id</c>, the caption
    /// <c>search-card-video-caption</c> (older: <c>search-card-desc</c>), likes <c>video-card-like-count</c>/<c>like-count</c>,
    /// views <c>video-views</c>. The caption often sits in a sibling of the card, so the card's parent is searched too.
    /// </summary>
    public static readonly PlatformMarkup TikTok = new(
        SocialPlatform.TikTok,
        "[data-e2e='search_top-item'], [data-e2e='search_video-item']",
        "[data-e2e='search-empty'], [data-e2e='search-no-result']",
        """
        (max) => {
          const cards = Array.from(document.querySelectorAll("[data-e2e='search_top-item'], [data-e2e='search_video-item']")).slice(0, max);
          return cards.map(card => {
            const scope = card.parentElement || card;
            const pick = (sel) => { const el = card.querySelector(sel) || scope.querySelector(sel); return el ? (el.textContent || '').trim() : null; };
            const link = card.querySelector("a[href*='/video/'], a[href*='/photo/']") || scope.querySelector("a[href*='/video/'], a[href*='/photo/']");
            const time = card.querySelector('time[datetime]') || scope.querySelector('time[datetime]');
            return {
              url: link ? link.href : null,
              author: pick("[data-e2e='search-card-user-unique-id']"),
              content: pick("[data-e2e='search-card-video-caption']") ?? pick("[data-e2e='search-card-desc']"),
              engagement: pick("[data-e2e='video-card-like-count'], [data-e2e='like-count']") ?? pick("[data-e2e='video-views']"),
              time: time ? time.getAttribute('datetime') : null,
              html: scope.outerHTML.slice(0, 512),
            };
          });
        }
        """);

    /// <summary>
    /// Facebook renders each post as <c>role="article"</c>; the text is in <c>data-ad-preview="message"</c> (or
    /// <c>data-ad-comet-preview</c>), the author in the first heading link, the reactions in an <c>aria-label</c>
    /// ("All reactions: 1.2K"), the permalink in a link to <c>/posts/</c>, <c>permalink.php</c> or <c>photo/?fbid=</c>.
    /// </summary>
    public static readonly PlatformMarkup Facebook = new(
        SocialPlatform.Facebook,
        "[role='feed'] [role='article'], [role='article']",
        "[data-testid='results-empty'], [role='main'] [aria-label='No results']",
        """
        (max) => {
          const cards = Array.from(document.querySelectorAll("[role='article']")).filter(a => !a.parentElement || !a.parentElement.closest("[role='article']")).slice(0, max);
          return cards.map(card => {
            const text = (el) => el ? (el.textContent || '').trim() : null;
            const link = card.querySelector("a[href*='/posts/'], a[href*='story_fbid='], a[href*='permalink'], a[href*='fbid='], a[href*='/videos/'], a[href*='/reel/']");
            const author = card.querySelector("h2 a, h3 a, h4 a, strong a, [data-ad-rendering-role='profile_name'] a");
            const message = card.querySelector("[data-ad-preview='message'], [data-ad-comet-preview='message'], [data-testid='post_message']");
            const reactions = card.querySelector("[aria-label*='reaction' i]");
            const time = card.querySelector('abbr[data-utime]');
            const timeTag = card.querySelector('time[datetime]');
            return {
              url: link ? link.href : null,
              author: text(author),
              content: text(message),
              engagement: reactions ? (reactions.getAttribute('aria-label') || text(reactions)) : null,
              time: time ? time.getAttribute('data-utime') : (timeTag ? timeTag.getAttribute('datetime') : null),
              html: card.outerHTML.slice(0, 512),
            };
          });
        }
        """);

    public static PlatformMarkup For(SocialPlatform platform) => platform == SocialPlatform.TikTok ? TikTok : Facebook;

    /// <summary>Post cards on the page (a card nested in another, as Facebook's shared posts are, is not counted twice).</summary>
    public const string CountCardsScript =
        "(sel) => Array.from(document.querySelectorAll(sel)).filter(e => !e.parentElement || !e.parentElement.closest(sel)).length";

    /// <summary>True once more than <c>n</c> cards are on the page (polled while a scroll's results load).</summary>
    public const string MoreCardsScript =
        "([sel, n]) => Array.from(document.querySelectorAll(sel)).filter(e => !e.parentElement || !e.parentElement.closest(sel)).length > n";

    /// <summary>
    /// Brings the last card into view, then the page's end: infinite scroll loads when its sentinel (after the last card)
    /// becomes visible, whether the results scroll in the window (Facebook) or in their own container (TikTok).
    /// </summary>
    public const string ScrollScript =
        "(sel) => { const all = document.querySelectorAll(sel); if (all.length) all[all.length - 1].scrollIntoView({ block: 'end' }); " +
        "const root = document.scrollingElement || document.documentElement; window.scrollTo(0, root.scrollHeight); }";

    /// <summary>Title, visible text and whether a known CAPTCHA element is on the page.</summary>
    public const string SignalsScript =
        "(sel) => ({ title: document.title || '', text: document.body ? document.body.innerText.slice(0, 4000) : '', captcha: !!document.querySelector(sel) })";
}
