namespace MillionX.Pipeline.Stages.SocialScrapers;

/// <summary>
/// A challenge found on a page that a solving service can take: reCAPTCHA v2 or hCaptcha with its site key (and the
/// widget's <c>data-callback</c>, if any), or a text image with an answer field next to it. TikTok's slider and rotate
/// puzzles (secsdk) and Facebook's checkpoint flows are not among them: the scraper rotates identity on those.
/// </summary>
public sealed record CaptchaChallenge(CaptchaKind Kind, string? SiteKey, string? Callback)
{
    /// <summary>Marks the image and answer field the find script chose, so later steps address exactly them.</summary>
    public const string ImageMark = "[data-millionx-captcha='image']";

    public const string InputMark = "[data-millionx-captcha='input']";

    /// <summary>
    /// Returns <c>{kind, siteKey, callback}</c> or null. Site keys come from the widget's <c>data-sitekey</c>, else from
    /// the widget iframes Google and hCaptcha render (reCAPTCHA: <c>/recaptcha/api2/anchor?k=</c>; hCaptcha:
    /// <c>#...&amp;sitekey=</c>). An image counts only with a text field for the answer (sliders have none).
    /// </summary>
    public const string FindScript =
        """
        () => {
          const first = (sel) => document.querySelector(sel);
          const fromFrame = (re, name) => {
            for (const f of document.querySelectorAll('iframe[src]')) {
              if (!re.test(f.src)) continue;
              try {
                const u = new URL(f.src);
                const v = u.searchParams.get(name) || new URLSearchParams(u.hash.slice(1)).get(name);
                if (v) return v;
              } catch (e) { }
            }
            return null;
          };
          const h = first('.h-captcha[data-sitekey]');
          const hKey = h ? h.getAttribute('data-sitekey') : fromFrame(/hcaptcha\.com/, 'sitekey');
          if (hKey) return { kind: 'hcaptcha', siteKey: hKey, callback: h ? h.getAttribute('data-callback') : null };
          const g = first('.g-recaptcha[data-sitekey]');
          const gKey = g ? g.getAttribute('data-sitekey') : fromFrame(/\/recaptcha\/(api2|enterprise)\/anchor/, 'k');
          if (gKey) return { kind: 'recaptcha', siteKey: gKey, callback: g ? g.getAttribute('data-callback') : null };
          const img = first("img[id*='captcha' i]:not(#captcha-verify-image), img[class*='captcha' i], img[alt*='captcha' i], img[src*='captcha' i]");
          const input = first("input[name*='captcha' i]:not([type=hidden]), input[id*='captcha' i]:not([type=hidden])");
          if (img && input) {
            img.setAttribute('data-millionx-captcha', 'image');
            input.setAttribute('data-millionx-captcha', 'input');
            return { kind: 'image', siteKey: null, callback: null };
          }
          return null;
        }
        """;

    /// <summary>
    /// Puts a token where the widget would (the <c>g-recaptcha-response</c> / <c>h-captcha-response</c> fields, created
    /// when the widget script did not), then continues as the widget would: the page's callback if it named one, else
    /// submits the widget's form. Returns how it continued: <c>callback</c>, <c>submit</c> or <c>none</c>.
    /// </summary>
    public const string InjectTokenScript =
        """
        ([kind, token, callback]) => {
          const names = kind === 'hcaptcha' ? ['h-captcha-response', 'g-recaptcha-response'] : ['g-recaptcha-response'];
          const widget = document.querySelector(kind === 'hcaptcha' ? '.h-captcha' : '.g-recaptcha');
          let field = null;
          for (const n of names) {
            for (const el of document.querySelectorAll(`textarea[name="${n}"], input[name="${n}"], #${n}`)) {
              el.value = token;
              field = field || el;
            }
          }
          const form = (field && field.form) || (widget && widget.closest('form')) || null;
          if (!field) {
            field = document.createElement('textarea');
            field.name = names[0];
            field.style.display = 'none';
            field.value = token;
            (form || widget || document.body).appendChild(field);
          }
          if (callback) {
            const fn = callback.split('.').reduce((o, k) => (o == null ? undefined : o[k]), window);
            if (typeof fn === 'function') { fn(token); return 'callback'; }
          }
          const target = field.form || form || document.querySelector('form');
          if (target) { target.requestSubmit ? target.requestSubmit() : target.submit(); return 'submit'; }
          return 'none';
        }
        """;

    /// <summary>Types nothing: submits the form of the marked answer field (its value is filled before).</summary>
    public const string SubmitAnswerScript =
        "(sel) => { const i = document.querySelector(sel); const f = i && i.form; if (!f) return false; f.requestSubmit ? f.requestSubmit() : f.submit(); return true; }";

    /// <summary>Pure: reads what <see cref="FindScript"/> returned.</summary>
    public static CaptchaChallenge? From(JsonElement found)
    {
        if (found.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var siteKey = Str(found, "siteKey");
        return Str(found, "kind") switch
        {
            "recaptcha" when siteKey is not null => new(CaptchaKind.RecaptchaV2, siteKey, Str(found, "callback")),
            "hcaptcha" when siteKey is not null => new(CaptchaKind.HCaptcha, siteKey, Str(found, "callback")),
            "image" => new(CaptchaKind.ImageToText, null, null),
            _ => null,
        };
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;
}
